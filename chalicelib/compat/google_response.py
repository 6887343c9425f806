"""Gemini generateContent answers (JSON and SSE) -> OpenAI chat completion objects."""

from __future__ import annotations

import json
from typing import Any

from chalicelib.compat.openai_format import (
    ChunkWriter,
    TokenCounts,
    completion,
    new_id,
    tool_call,
)
from chalicelib.jsontypes import JsonObject, JsonValue, object_or_empty

_FILTERED = frozenset(
    {"SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY"}
)


def finish_reason(reason: JsonValue, has_tool_calls: bool) -> str:
    """The OpenAI `finish_reason` of a Gemini `finishReason`."""
    if reason == "MAX_TOKENS":
        return "length"
    if reason in _FILTERED:
        return "content_filter"
    return "tool_calls" if has_tool_calls else "stop"


def token_counts(metadata: JsonValue) -> TokenCounts | None:
    """OpenAI usage of a Gemini `usageMetadata` (zeros are omitted by proto3 JSON)."""
    if not isinstance(metadata, dict):
        return None
    counts = {key: _count(metadata, key) for key in _USAGE_KEYS}
    if all(value is None for value in counts.values()):
        return None
    prompt = (counts["promptTokenCount"] or 0) + (counts["toolUsePromptTokenCount"] or 0)
    thoughts = counts["thoughtsTokenCount"]
    return TokenCounts(
        prompt=prompt,
        completion=(counts["candidatesTokenCount"] or 0) + (thoughts or 0),
        cached=counts["cachedContentTokenCount"],
        reasoning=thoughts,
    )


_USAGE_KEYS = (
    "promptTokenCount",
    "toolUsePromptTokenCount",
    "candidatesTokenCount",
    "thoughtsTokenCount",
    "cachedContentTokenCount",
)


def _count(metadata: JsonObject, key: str) -> int | None:
    value = metadata.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _candidate(response: JsonObject) -> JsonObject:
    candidates = response.get("candidates")
    return object_or_empty(candidates[0] if isinstance(candidates, list) and candidates else None)


def _parts(candidate: JsonObject) -> list[JsonObject]:
    content = candidate.get("content")
    parts = content.get("parts") if isinstance(content, dict) else None
    return [p for p in parts if isinstance(p, dict)] if isinstance(parts, list) else []


def _text(part: JsonObject) -> str | None:
    """The answer text of a part; thought summaries are not part of the answer."""
    text = part.get("text")
    return text if isinstance(text, str) and not part.get("thought") else None


def _call(part: JsonObject) -> dict[str, Any] | None:
    """The OpenAI tool call of a `functionCall` part, None for other parts."""
    call = part.get("functionCall")
    if not isinstance(call, dict):
        return None
    call_id = call.get("id")
    if not isinstance(call_id, str):
        call_id = new_id("call_")
    return tool_call(call_id, str(call.get("name")), json.dumps(call.get("args") or {}))


def _blocked(response: JsonObject) -> bool:
    feedback = response.get("promptFeedback")
    return isinstance(feedback, dict) and bool(feedback.get("blockReason"))


def google_completion(response: JsonObject, model: str, created: int) -> dict[str, Any]:
    """The `chat.completion` of a GenerateContentResponse (its first candidate)."""
    candidate = _candidate(response)
    parts = _parts(candidate)
    texts = [text for text in map(_text, parts) if text is not None]
    calls = [call for call in map(_call, parts) if call is not None]
    blocked = _blocked(response)
    reason = "SAFETY" if blocked else candidate.get("finishReason")
    return completion(
        completion_id=_string(response.get("responseId")) or new_id(),
        created=created,
        model=_string(response.get("modelVersion")) or model,
        content="".join(texts) if texts or not (calls or blocked) else None,
        tool_calls=calls,
        finish_reason=finish_reason(reason, bool(calls)),
        usage=token_counts(response.get("usageMetadata")),
    )


def _string(value: JsonValue) -> str | None:
    return value if isinstance(value, str) and value else None


class GoogleStream:
    """Turns the GenerateContentResponse chunks of a stream into OpenAI chunks, in order."""

    def __init__(self, model: str, created: int, include_usage: bool) -> None:
        self.writer = ChunkWriter(new_id(), created, model)
        self.include_usage = include_usage
        self.started = False
        self.finished = False
        self.tool_calls = 0
        self.metadata: JsonValue = None

    def feed(self, response: JsonValue) -> list[dict[str, Any]]:
        """The chunks for one streamed response object."""
        if not isinstance(response, dict):
            return []
        chunks = []
        if not self.started:
            self.started = True
            self.writer.completion_id = _string(response.get("responseId")) or new_id()
            self.writer.model = _string(response.get("modelVersion")) or self.writer.model
            chunks.append(self.writer.delta({"role": "assistant", "content": ""}))
        self.metadata = response.get("usageMetadata") or self.metadata
        candidate = _candidate(response)
        for part in _parts(candidate):
            text, call = _text(part), _call(part)
            if text:
                chunks.append(self.writer.delta({"content": text}))
            elif call is not None:
                delta = {"tool_calls": [{"index": self.tool_calls, **call}]}
                self.tool_calls += 1
                chunks.append(self.writer.delta(delta))
        reason = "SAFETY" if _blocked(response) else candidate.get("finishReason")
        if reason and not self.finished:
            self.finished = True
            chunks.append(self.writer.delta({}, finish_reason(reason, self.tool_calls > 0)))
        return chunks

    def finish(self) -> list[dict[str, Any]]:
        """The closing chunks: usage when requested and known."""
        counts = token_counts(self.metadata)
        if self.include_usage and counts is not None:
            return [self.writer.usage(counts)]
        return []
