"""Anthropic Messages API answers (JSON and SSE) -> OpenAI chat completion objects."""

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

FINISH_REASONS = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "pause_turn": "stop",
    "max_tokens": "length",
    "model_context_window_exceeded": "length",
    "tool_use": "tool_calls",
    "refusal": "content_filter",
}


def finish_reason(stop_reason: JsonValue) -> str:
    """The OpenAI `finish_reason` of an Anthropic `stop_reason` ("stop" when unknown)."""
    return FINISH_REASONS.get(stop_reason, "stop") if isinstance(stop_reason, str) else "stop"


def token_counts(usage: JsonValue) -> TokenCounts | None:
    """OpenAI usage of an Anthropic `usage` (input includes cache reads and writes)."""
    if not isinstance(usage, dict):
        return None
    counts = {key: _count(usage, key) for key in _USAGE_KEYS}
    if counts["input_tokens"] is None and counts["output_tokens"] is None:
        return None
    prompt = sum(counts[key] or 0 for key in _USAGE_KEYS[:3])
    return TokenCounts(
        prompt, counts["output_tokens"] or 0, cached=counts["cache_read_input_tokens"]
    )


_USAGE_KEYS = (
    "input_tokens",
    "cache_creation_input_tokens",
    "cache_read_input_tokens",
    "output_tokens",
)


def _count(usage: JsonObject, key: str) -> int | None:
    value = usage.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def anthropic_completion(message: JsonObject, model: str, created: int) -> dict[str, Any]:
    """The `chat.completion` of an Anthropic `message` object."""
    texts: list[str] = []
    calls: list[dict[str, Any]] = []
    content = message.get("content")
    for block in content if isinstance(content, list) else []:
        if not isinstance(block, dict):
            continue
        text = block.get("text")
        if block.get("type") == "text" and isinstance(text, str):
            texts.append(text)
        elif block.get("type") == "tool_use":
            arguments = json.dumps(block.get("input") or {})
            calls.append(tool_call(str(block.get("id")), str(block.get("name")), arguments))
    return completion(
        completion_id=_string(message.get("id")) or new_id(),
        created=created,
        model=_string(message.get("model")) or model,
        content="".join(texts) if texts or not calls else None,
        tool_calls=calls,
        finish_reason=finish_reason(message.get("stop_reason")),
        usage=token_counts(message.get("usage")),
    )


def _string(value: JsonValue) -> str | None:
    return value if isinstance(value, str) and value else None


class AnthropicStream:
    """Turns the events of an Anthropic message stream into OpenAI chunks, in order."""

    def __init__(self, model: str, created: int, include_usage: bool) -> None:
        self.writer = ChunkWriter(new_id(), created, model)
        self.include_usage = include_usage
        self.usage: JsonObject = {}
        self.tool_index: dict[JsonValue, int] = {}
        """Anthropic content block index (an int, unless the provider errs) -> OpenAI tool
        call index."""
        self.finished = False

    def feed(self, event: JsonValue) -> list[dict[str, Any]]:
        """The chunks for one event (a decoded `data:` JSON object)."""
        if not isinstance(event, dict):
            return []
        kind = event.get("type")
        handler = {
            "message_start": self._message_start,
            "content_block_start": self._block_start,
            "content_block_delta": self._block_delta,
            "message_delta": self._message_delta,
            "error": self._error,
        }.get(kind if isinstance(kind, str) else "")
        return handler(event) if handler else []

    def finish(self) -> list[dict[str, Any]]:
        """The closing chunks: usage when requested and known."""
        counts = token_counts(self.usage)
        if self.include_usage and counts is not None:
            return [self.writer.usage(counts)]
        return []

    def _message_start(self, event: JsonObject) -> list[dict[str, Any]]:
        message = object_or_empty(event.get("message"))
        self.writer.completion_id = _string(message.get("id")) or self.writer.completion_id
        self.writer.model = _string(message.get("model")) or self.writer.model
        self._take_usage(message.get("usage"))
        return [self.writer.delta({"role": "assistant", "content": ""})]

    def _block_start(self, event: JsonObject) -> list[dict[str, Any]]:
        block = event.get("content_block")
        if not isinstance(block, dict):
            return []
        if block.get("type") == "text" and block.get("text"):
            return [self.writer.delta({"content": block["text"]})]
        if block.get("type") != "tool_use":
            return []
        index = len(self.tool_index)
        self.tool_index[event.get("index", -1)] = index
        call = tool_call(str(block.get("id")), str(block.get("name")), "")
        chunks = [self.writer.delta({"tool_calls": [{"index": index, **call}]})]
        if block.get("input"):  # a complete input instead of input_json_delta fragments
            chunks.append(self._arguments(index, json.dumps(block["input"])))
        return chunks

    def _block_delta(self, event: JsonObject) -> list[dict[str, Any]]:
        delta = event.get("delta")
        if not isinstance(delta, dict):
            return []
        if delta.get("type") == "text_delta" and delta.get("text"):
            return [self.writer.delta({"content": delta["text"]})]
        index = self.tool_index.get(event.get("index", -1))
        fragment = delta.get("partial_json")
        if delta.get("type") == "input_json_delta" and index is not None and fragment:
            return [self._arguments(index, fragment)]
        return []

    def _arguments(self, index: int, fragment: JsonValue) -> dict[str, Any]:
        return self.writer.delta(
            {"tool_calls": [{"index": index, "function": {"arguments": fragment}}]}
        )

    def _message_delta(self, event: JsonObject) -> list[dict[str, Any]]:
        self._take_usage(event.get("usage"))
        delta = object_or_empty(event.get("delta"))
        if self.finished:
            return []
        self.finished = True
        return [self.writer.delta({}, finish_reason(delta.get("stop_reason")))]

    def _error(self, event: JsonObject) -> list[dict[str, Any]]:
        error = object_or_empty(event.get("error"))
        message = error.get("message")
        kind = error.get("type")
        if not isinstance(message, str):
            message = "error"
        return [
            {
                "error": {
                    "message": message,
                    "type": "server_error",
                    "param": None,
                    "code": kind if isinstance(kind, str) else None,
                }
            }
        ]

    def _take_usage(self, usage: JsonValue) -> None:
        """Merge a usage report: counts are cumulative, later ones win."""
        if isinstance(usage, dict):
            self.usage.update({k: v for k, v in usage.items() if _count(usage, k) is not None})
