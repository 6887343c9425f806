"""A provider's answer relayed to the client as it arrives, measured on the way.

The chain, for one streamed answer: the provider's chunks -> `tap` (keeps a bounded
sample of the native body for usage) -> the presenter (the unified API translates the
stream) -> `Relay` (what the client gets: counted, kept up to the log's body cap) -> the
client. When the body ends, breaks off or the client goes away (the relay is closed), the
relay closes the chain back to the provider and reports a `RelayEnd` once; memory stays
bounded whatever the body's size.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from chalicelib.errors import ApiError
from chalicelib.logstore import MAX_BODY_BYTES

SAMPLE_BYTES = 64 * 1024
"""Of an event stream, this much of its head and of its tail is kept for usage: the
first events name the model and input tokens, the last ones the totals."""
_EVENT = re.compile(rb".*?(?:\r\n\r\n|\n\n|\r\r)|.+", re.DOTALL)

CLIENT_GONE = "the client disconnected before the answer ended"
RELAY_FAILED = "the gateway failed while relaying the answer"


class Sample:
    """What usage needs of a native body: all of it up to MAX_BODY_BYTES, or for an event
    stream its head and tail (SAMPLE_BYTES each)."""

    def __init__(self, event_stream: bool) -> None:
        self._limit = SAMPLE_BYTES if event_stream else MAX_BODY_BYTES
        self._event_stream = event_stream
        self._head = Capture(self._limit)
        self._tail = bytearray()

    def add(self, chunk: bytes) -> None:
        """Take in the next chunk."""
        self._head.add(chunk)
        if self._event_stream and self._head.size > self._limit:
            self._tail += chunk
            del self._tail[: max(0, len(self._tail) - SAMPLE_BYTES)]

    def body(self) -> bytes:
        """The sample: the head, and after a blank line (so a cut event never joins
        another) the tail."""
        if not self._tail:
            return self._head.body()
        return self._head.body() + b"\n\n" + bytes(self._tail)


class Capture:
    """Keeps the first `limit` bytes of what passes and counts all of it."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._parts: list[bytes] = []
        self._kept = 0
        self.size = 0

    def add(self, chunk: bytes) -> None:
        """Take in the next chunk."""
        self.size += len(chunk)
        if self._kept < self._limit:
            part = chunk[: self._limit - self._kept]
            self._parts.append(part)
            self._kept += len(part)

    def body(self) -> bytes:
        """The bytes kept."""
        return b"".join(self._parts)


def split_events(body: bytes) -> Iterator[bytes]:
    """A complete event-stream body in chunks of one event each (its blank line
    included), as a provider would have sent it."""
    for match in _EVENT.finditer(body):
        yield match.group()


def tap(source: Iterator[bytes], sample: Sample) -> Iterator[bytes]:
    """`source` unchanged, each chunk added to `sample`; closing it closes `source`."""
    try:
        for chunk in source:
            sample.add(chunk)
            yield chunk
    finally:
        _close(source)


@dataclass(frozen=True)
class RelayEnd:
    """How a relayed answer ended."""

    body: bytes
    """What the client got, up to MAX_BODY_BYTES."""
    size: int
    """Bytes the client got."""
    error: str | None
    """None when the answer was relayed to its end; else what stopped it."""


class Relay:
    """The presented answer for the client, iterated chunk by chunk; then how it ended.

    `on_end` is called exactly once: when the body ended, broke off (the error is
    re-raised, so the client sees an incomplete body) or the relay was closed before its
    end (the client went away), even if it was never iterated.
    """

    def __init__(
        self,
        presented: Iterator[bytes],
        on_end: Callable[[RelayEnd], None],
        abort: Callable[[], None] | None = None,
    ) -> None:
        self._presented = iter(presented)
        self._abort = abort
        self._gone = False
        self._on_end: Callable[[RelayEnd], None] | None = on_end
        self._capture = Capture(MAX_BODY_BYTES)

    def __iter__(self) -> Relay:
        return self

    def __next__(self) -> bytes:
        if self._on_end is None:
            raise StopIteration
        try:
            chunk = next(self._presented)
        except StopIteration:
            self._end(CLIENT_GONE if self._gone else None)
            raise
        except ApiError as exc:  # the provider broke off, or `client_gone` cut it
            self._end(CLIENT_GONE if self._gone else exc.message)
            raise
        except Exception:
            self._end(CLIENT_GONE if self._gone else RELAY_FAILED)
            raise
        self._capture.add(chunk)
        return chunk

    def client_gone(self) -> None:
        """The client went away while the relay waits for the provider (called from
        another thread): the provider's answer is aborted, so the wait ends now and the
        relay ends as the client's departure, not the provider's failure."""
        if self._on_end is not None:
            self._gone = True
            if self._abort is not None:
                self._abort()

    def close(self) -> None:
        """Stop relaying (the client went away) unless the answer already ended."""
        if self._on_end is not None:
            self._end(CLIENT_GONE)

    def _end(self, error: str | None) -> None:
        on_end, self._on_end = self._on_end, None
        assert on_end is not None
        _close(self._presented)
        on_end(
            RelayEnd(
                body=self._capture.body(),
                size=self._capture.size,
                error=error,
            )
        )


def _close(iterator: Iterator[bytes]) -> None:
    close = getattr(iterator, "close", None)
    if close is not None:
        close()
