"""A cached answer and its stored form: gzip of one JSON header line, then the raw body.

The header line is `{"kind": "aig-cache", "v": 1, "status", "headers", "content_type",
"created_at", "expires_at", "body_length"}` (times in epoch seconds); the body follows
byte for byte, so JSON, SSE and binary answers replay identically. Nothing of the request
is stored.
"""

from __future__ import annotations

import gzip
import json
import zlib
from dataclasses import dataclass

_KIND = "aig-cache"
_FORMAT_VERSION = 1


class CacheFormatError(ValueError):
    """A stored object that is not a cache record this code can read."""


@dataclass(frozen=True)
class CachedResponse:
    """A provider answer as replayed on a cache hit."""

    status: int
    headers: dict[str, str]
    """Replayable response headers only (see `policy.REPLAYED_HEADERS`), names as received."""
    body: bytes
    created_at: float
    """Epoch seconds when it was stored."""
    expires_at: float
    """Epoch seconds from which it is no longer served."""

    @property
    def content_type(self) -> str | None:
        """The Content-Type header, whatever its spelling."""
        for name, value in self.headers.items():
            if name.lower() == "content-type":
                return value
        return None

    def is_fresh(self, now: float) -> bool:
        """True while `now` is before `expires_at`."""
        return now < self.expires_at


def encode(response: CachedResponse) -> bytes:
    """The gzip'ed stored form of `response`."""
    header = {
        "kind": _KIND,
        "v": _FORMAT_VERSION,
        "status": response.status,
        "headers": response.headers,
        "content_type": response.content_type,
        "created_at": response.created_at,
        "expires_at": response.expires_at,
        "body_length": len(response.body),
    }
    return gzip.compress(json.dumps(header).encode() + b"\n" + response.body, compresslevel=6)


def decode(blob: bytes) -> CachedResponse:
    """Read an object written by `encode`; CacheFormatError if it is anything else."""
    try:
        header_line, _, body = gzip.decompress(blob).partition(b"\n")
        header = json.loads(header_line)
    except (OSError, EOFError, zlib.error, ValueError) as exc:
        raise CacheFormatError(f"unreadable cache record: {exc}") from exc
    if not isinstance(header, dict) or (header.get("kind"), header.get("v")) != (
        _KIND,
        _FORMAT_VERSION,
    ):
        raise CacheFormatError("not a cache record of this version")
    if len(body) != header.get("body_length"):
        raise CacheFormatError("cached body is truncated")
    try:
        return CachedResponse(
            status=int(header["status"]),
            headers={str(k): str(v) for k, v in header["headers"].items()},
            body=body,
            created_at=float(header["created_at"]),
            expires_at=float(header["expires_at"]),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise CacheFormatError(f"malformed cache record: {exc}") from exc
