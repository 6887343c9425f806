"""Header hygiene: what goes upstream and what comes back to the client (the `aig-*`
options are read by proxy/options.py)."""

from __future__ import annotations

from collections.abc import Mapping

_HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "trailers",
        "transfer-encoding",
        "upgrade",
        "host",
        "content-length",
    }
)
_NOT_FORWARDED_UPSTREAM = _HOP_BY_HOP | {"accept-encoding", "via", "forwarded"}
_NOT_RELAYED_DOWNSTREAM = _HOP_BY_HOP | {"content-encoding", "date", "server"}
_INTERNAL_PREFIXES = ("aig-", "cf-aig-", "x-forwarded-", "x-amzn-", "x-amz-cf-")


def upstream_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Headers to send to the provider: the client's own, minus transport and gateway ones."""
    return {
        name: value
        for name, value in headers.items()
        if name.lower() not in _NOT_FORWARDED_UPSTREAM
        and not name.lower().startswith(_INTERNAL_PREFIXES)
    }


def downstream_headers(headers: list[tuple[str, str]]) -> dict[str, str | list[str]]:
    """Provider response headers to relay to the client (Content-Type spelled for Chalice)."""
    relayed: dict[str, str | list[str]] = {}
    for name, value in headers:
        lower = name.lower()
        if lower in _NOT_RELAYED_DOWNSTREAM:
            continue
        key = "Content-Type" if lower == "content-type" else lower
        existing = relayed.get(key)
        if existing is None:
            relayed[key] = value
        elif isinstance(existing, list):
            existing.append(value)
        else:
            relayed[key] = [existing, value]
    return relayed
