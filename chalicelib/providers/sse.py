"""Parser for `text/event-stream` bodies, whole or as they arrive (WHATWG HTML, "server-sent
events")."""

from __future__ import annotations

import codecs
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


class SseDecoder:
    """Parses an event stream fed in chunks of any size: bytes in, complete events out.

    Events, lines, `\\r\\n` pairs and UTF-8 characters may be split between chunks.
    """

    def __init__(self) -> None:
        self._utf8 = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._at_start = True
        """No text decoded yet (a leading BOM is dropped)."""
        self._after_cr = False
        """The text so far ends with "\\r": a "\\n" next belongs to that line break."""
        self._partial: list[str] = []
        """The current line's text so far (no line break seen yet)."""
        self._event = ""
        self._data: list[str] = []

    def feed(self, chunk: bytes) -> list[SseEvent]:
        """The events completed by this chunk."""
        return self._parse(self._utf8.decode(chunk))

    def finish(self) -> list[SseEvent]:
        """The events left at the end of the stream, a final one without a blank line too:
        the stream is complete, so it was not cut off."""
        events = self._parse(self._utf8.decode(b"", final=True))
        last = "".join(self._partial)
        self._partial = []
        return events + [e for e in (self._line(last), self._line("")) if e]

    def _parse(self, text: str) -> list[SseEvent]:
        return [e for e in map(self._line, self._lines(text)) if e]

    def _lines(self, text: str) -> list[str]:
        """The lines that `text` completes."""
        if not text:
            return []
        if self._at_start:
            self._at_start, text = False, text.removeprefix("\ufeff")
        if self._after_cr:
            text = text.removeprefix("\n")
        self._after_cr = text.endswith("\r")
        *lines, rest = _LINE_BREAK.split(text)
        if lines:
            lines[0] = "".join([*self._partial, lines[0]])
            self._partial = []
        self._partial.append(rest)
        return lines

    def _line(self, line: str) -> SseEvent | None:
        """Process one line; the event it dispatches, if any."""
        if not line:
            event = SseEvent(self._event or None, "\n".join(self._data)) if self._data else None
            self._event, self._data = "", []
            return event
        if line.startswith(":"):
            return None
        field, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if field == "event":
            self._event = value
        elif field == "data":
            self._data.append(value)
        return None


def iter_sse_events(body: bytes) -> Iterator[SseEvent]:
    """Yield the events of a complete event-stream body, in order (see `SseDecoder.finish`)."""
    decoder = SseDecoder()
    yield from decoder.feed(body)
    yield from decoder.finish()


def is_event_stream(content_type: str | None) -> bool:
    """True for a `text/event-stream` body."""
    return (content_type or "").strip().lower().startswith("text/event-stream")
