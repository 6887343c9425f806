"""Server-sent event bodies, in and out, and OpenAI chat stream chunks."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any


def sse_event(name: str | None, data: Any, separator: str = "\n\n") -> bytes:
    """One encoded event: an ``event:`` line when named, then ``data:`` (JSON unless a str)."""
    head = f"event: {name}\n" if name else ""
    text = data if isinstance(data, str) else json.dumps(data)
    return f"{head}data: {text}{separator}".encode()


def sse(events: Iterable[tuple[str | None, Any]], separator: str = "\n\n") -> bytes:
    """An event-stream body from (event name, data) pairs (see ``sse_event``)."""
    return b"".join(sse_event(name, data, separator) for name, data in events)


def sse_data(body: bytes) -> list[str]:
    """The `data:` values of an event-stream body, in order."""
    return [
        line.removeprefix("data: ")
        for line in body.decode().splitlines()
        if line.startswith("data: ")
    ]


def chat_chunk(content: str) -> bytes:
    """One encoded OpenAI `chat.completion.chunk` event whose delta is `content`."""
    choice = {"index": 0, "delta": {"content": content}, "finish_reason": None}
    document = {"id": "c", "object": "chat.completion.chunk", "model": "gpt-4o-mini"}
    return b"data: " + json.dumps({**document, "choices": [choice]}).encode() + b"\n\n"
