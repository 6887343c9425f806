"""The request size limit: by Content-Length before a body is read, else by the body."""

from __future__ import annotations

from chalicelib.errors import BadRequest, PayloadTooLarge


def check_content_length(content_length: str | None, limit: int) -> int:
    """The announced body size (0 without the header); BadRequest when malformed,
    PayloadTooLarge when over `limit` bytes."""
    if content_length is None:
        return 0
    value = content_length.strip()
    if not value.isdigit():
        raise BadRequest("Content-Length must be a non-negative integer")
    return check_size(int(value), limit)


def check_size(size: int, limit: int) -> int:
    """`size`, or PayloadTooLarge when it is over `limit` bytes."""
    if size > limit:
        raise PayloadTooLarge(f"request bodies are limited to {limit} bytes")
    return size
