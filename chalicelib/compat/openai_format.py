"""Builders for the OpenAI chat completion objects the unified API answers with."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

JSON = "application/json"
EVENT_STREAM = "text/event-stream"


def new_id(prefix: str = "chatcmpl-") -> str:
    """A fresh OpenAI-style identifier."""
    return prefix + uuid.uuid4().hex[:24]


@dataclass(frozen=True)
class TokenCounts:
    """Token counts of one answer, already mapped to OpenAI's meaning."""

    prompt: int
    """All input tokens, cached ones included."""
    completion: int
    """All output tokens, reasoning included."""
    cached: int | None = None
    reasoning: int | None = None

    def to_openai(self) -> dict[str, Any]:
        """The chat completion `usage` object."""
        usage: dict[str, Any] = {
            "prompt_tokens": self.prompt,
            "completion_tokens": self.completion,
            "total_tokens": self.prompt + self.completion,
        }
        if self.cached is not None:
            usage["prompt_tokens_details"] = {"cached_tokens": self.cached}
        if self.reasoning is not None:
            usage["completion_tokens_details"] = {"reasoning_tokens": self.reasoning}
        return usage


def tool_call(call_id: str, name: str, arguments: str) -> dict[str, Any]:
    """A complete `tool_calls` entry of an assistant message."""
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}


def completion(
    completion_id: str,
    created: int,
    model: str,
    content: str | None,
    tool_calls: list[dict[str, Any]],
    finish_reason: str,
    usage: TokenCounts | None,
) -> dict[str, Any]:
    """A `chat.completion` object with a single choice."""
    message: dict[str, Any] = {"role": "assistant", "content": content, "refusal": None}
    if tool_calls:
        message["tool_calls"] = tool_calls
    choice = {"index": 0, "message": message, "logprobs": None, "finish_reason": finish_reason}
    payload: dict[str, Any] = {
        "id": completion_id,
        "object": "chat.completion",
        "created": created,
        "model": model,
        "choices": [choice],
    }
    if usage is not None:
        payload["usage"] = usage.to_openai()
    return payload


class ChunkWriter:
    """Makes the `chat.completion.chunk` objects of one streamed answer."""

    def __init__(self, completion_id: str, created: int, model: str) -> None:
        self.completion_id = completion_id
        self.created = created
        self.model = model

    def _head(self) -> dict[str, Any]:
        return {
            "id": self.completion_id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.model,
        }

    def delta(self, delta: dict[str, Any], finish_reason: str | None = None) -> dict[str, Any]:
        """A chunk carrying one delta of choice 0."""
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}
        return {**self._head(), "choices": [choice]}

    def usage(self, usage: TokenCounts) -> dict[str, Any]:
        """The final usage chunk (no choices), as sent with `stream_options.include_usage`."""
        return {**self._head(), "choices": [], "usage": usage.to_openai()}


SSE_DONE = b"data: [DONE]\n\n"
"""The event that ends an OpenAI stream."""


def sse_events(chunks: Iterable[dict[str, Any]]) -> bytes:
    """One `data:` event per chunk (b"" for none)."""
    return "".join(f"data: {json.dumps(chunk)}\n\n" for chunk in chunks).encode()


def sse_body(chunks: Iterable[dict[str, Any]]) -> bytes:
    """An event-stream body: one `data:` event per chunk, then `data: [DONE]`."""
    return sse_events(chunks) + SSE_DONE


def completion_to_chunks(payload: dict[str, Any], include_usage: bool) -> list[dict[str, Any]]:
    """The chunks of a stream equivalent to one `chat.completion` object."""
    writer = ChunkWriter(payload["id"], payload["created"], payload["model"])
    choice = payload["choices"][0]
    message = choice["message"]
    chunks = [writer.delta({"role": "assistant", "content": ""})]
    if message.get("content"):
        chunks.append(writer.delta({"content": message["content"]}))
    calls = [{"index": i, **call} for i, call in enumerate(message.get("tool_calls") or [])]
    if calls:
        chunks.append(writer.delta({"tool_calls": calls}))
    chunks.append(writer.delta({}, choice["finish_reason"]))
    if include_usage and payload.get("usage"):
        chunks.append({**writer.usage(TokenCounts(0, 0)), "usage": payload["usage"]})
    return chunks
