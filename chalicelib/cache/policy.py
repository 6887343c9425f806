"""What may be cached: methods, statuses, sizes, TTLs and the response headers replayed."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

MAX_TTL_S = 30 * 24 * 3600
"""Longest TTL (30 days); `aig-cache-ttl` above it is rejected, a gateway's is capped."""

MAX_CACHED_BODY_BYTES = 5 * 1024 * 1024
"""Response bodies larger than this (5 MiB) are not cached."""

CACHEABLE_METHODS = frozenset({"GET", "POST"})

REPLAYED_HEADERS = frozenset(
    {
        "content-type",
        "content-disposition",
        "content-language",
        "openai-model",
        "openai-version",
        "request-id",
        "x-request-id",
    }
)
"""Response headers stored and replayed on a hit (allow-list, lower-case). Everything else is
dropped: hop-by-hop and length/encoding headers, set-cookie, rate-limit counters (stale on a
hit), headers naming the original caller's organization, and the gateway's own `aig-*`."""

HeaderInput = Mapping[str, str | list[str]] | Iterable[tuple[str, str]]
"""Response headers as a dict (a list value for repeated headers) or as (name, value) pairs."""


def is_cacheable_method(method: str) -> bool:
    """True for the methods whose answers are cached (POST and GET)."""
    return method.upper() in CACHEABLE_METHODS


def is_cacheable_response(status: int, body: bytes) -> bool:
    """True for a successful (2xx) answer no larger than MAX_CACHED_BODY_BYTES."""
    return 200 <= status < 300 and len(body) <= MAX_CACHED_BODY_BYTES


def replayable_headers(headers: HeaderInput) -> dict[str, str]:
    """The REPLAYED_HEADERS of a response, name spelling kept, repeated values comma-joined."""
    pairs = headers.items() if isinstance(headers, Mapping) else headers
    kept: dict[str, str] = {}
    for name, value in pairs:
        if name.lower() not in REPLAYED_HEADERS:
            continue
        joined = ", ".join(value) if isinstance(value, list) else value
        kept[name] = f"{kept[name]}, {joined}" if name in kept else joined
    return kept
