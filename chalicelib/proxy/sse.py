"""Parser for complete `text/event-stream` bodies (WHATWG HTML, "server-sent events")."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

_LINE_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class SseEvent:
    """One dispatched event."""

    event: str | None
    """The `event:` field, None if absent."""
    data: str
    """The `data:` lines joined with "\\n"."""


def iter_sse_events(body: bytes) -> Iterator[SseEvent]:
    """Yield the events of a complete event-stream body, in order.

    Follows the WHATWG parsing rules, except that a final event without a trailing blank line
    is dispatched too: the body is complete, so it was not cut off.
    """
    text = body.decode("utf-8", errors="replace").removeprefix("\ufeff")
    event = ""
    data: list[str] = []
    for line in _LINE_BREAK.split(text):
        if not line:
            if data:
                yield SseEvent(event or None, "\n".join(data))
            event, data = "", []
            continue
        if line.startswith(":"):
            continue
        field, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if field == "event":
            event = value
        elif field == "data":
            data.append(value)
    if data:
        yield SseEvent(event or None, "\n".join(data))
