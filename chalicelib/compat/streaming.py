"""Answers whose body arrives in chunks (a provider streaming as it generates)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

Answer = tuple[int, str, bytes]
"""HTTP status, content type and body."""
StreamedAnswer = tuple[int, str, Iterator[bytes]]
"""HTTP status, content type and the body's chunks."""


def close_source(chunks: Iterator[bytes]) -> None:
    """Close a streamed body's source, if it can be closed (that ends its upstream request)."""
    close = getattr(chunks, "close", None)
    if callable(close):
        close()


def buffered(
    respond: Callable[[int, str | None, bytes], Answer],
    status: int,
    content_type: str | None,
    chunks: Iterator[bytes],
) -> StreamedAnswer:
    """`respond`'s answer for a streamed body read whole (then closed), as one chunk."""
    try:
        body = b"".join(chunks)
    finally:
        close_source(chunks)
    status, content_type, answer = respond(status, content_type, body)
    return status, content_type, iter((answer,) if answer else ())
