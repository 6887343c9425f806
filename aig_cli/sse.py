"""The text of a streamed (server-sent events) answer, assembled from its events for
OpenAI (chat, completions, Responses), Anthropic and Google streams (pure)."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import Any


def is_event_stream(content_type: str) -> bool:
    """Whether a body of this content type is server-sent events."""
    return content_type.split(";")[0].strip().lower() == "text/event-stream"


def assemble(body: str) -> str | None:
    """The text the events of `body` carry, in order; None when no event has any (a stream
    of another shape: show it raw)."""
    pieces = [piece for data in _data(body) for piece in _texts(data)]
    return "".join(pieces) if pieces else None


def _data(body: str) -> Iterator[Any]:
    """The JSON data of each event (events without JSON data are skipped)."""
    lines: list[str] = []
    for line in [*body.splitlines(), ""]:
        if line.startswith("data:"):
            lines.append(line[5:].removeprefix(" "))
        elif not line.strip() and lines:
            with contextlib.suppress(ValueError):  # e.g. OpenAI's `[DONE]`
                yield json.loads("\n".join(lines))
            lines = []


def _texts(data: Any) -> Iterator[str]:
    if not isinstance(data, dict):
        return
    kind = data.get("type")
    if kind == "content_block_delta":  # Anthropic
        delta = data.get("delta")
        if isinstance(delta, dict) and isinstance(delta.get("text"), str):
            yield delta["text"]
    elif kind == "response.output_text.delta" and isinstance(data.get("delta"), str):
        yield data["delta"]  # OpenAI Responses
    for choice in _dicts(data.get("choices")):  # OpenAI chat and completions
        delta = choice.get("delta")
        if isinstance(delta, dict) and isinstance(delta.get("content"), str):
            yield delta["content"]
        elif isinstance(choice.get("text"), str):
            yield choice["text"]
    for candidate in _dicts(data.get("candidates")):  # Google
        content = candidate.get("content")
        parts = content.get("parts") if isinstance(content, dict) else None
        for part in _dicts(parts):
            if isinstance(part.get("text"), str):
                yield part["text"]


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []
