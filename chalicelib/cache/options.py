"""Per-request cache options: the gateway's `cache_ttl` and the `aig-*` cache headers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from chalicelib.api.errors import BadRequest
from chalicelib.cache.policy import MAX_TTL_S, is_cacheable_method
from chalicelib.proxy.headers import aig_header
from chalicelib.validation import InvalidInput, bounded_int

MAX_CUSTOM_KEY_LENGTH = 1024
"""Longest accepted `aig-cache-key` (it is hashed, never stored)."""


@dataclass(frozen=True)
class CacheOptions:
    """What the cache may do for one request."""

    ttl_s: int
    """Seconds a stored answer stays fresh; 0 means caching is off for this request."""
    skip: bool = False
    """`aig-skip-cache: true`: neither read nor write the cache."""
    custom_key: str | None = None
    """`aig-cache-key`: replaces the key computed from the request (see `cache_key`)."""
    method_cacheable: bool = True
    """Whether the request method may be cached at all (POST and GET only)."""

    @property
    def enabled(self) -> bool:
        """True when the cache is read before and written after this request."""
        return self.ttl_s > 0 and not self.skip and self.method_cacheable


def cache_options(headers: Mapping[str, str], gateway_ttl: int | None, method: str) -> CacheOptions:
    """Read the cache options of one request (lower-case header names, `cf-aig-*` aliases).

    `aig-cache-ttl` overrides `gateway_ttl` (and so can enable or disable caching for one
    request); a gateway TTL above MAX_TTL_S is capped. Raises BadRequest naming a bad header.
    """
    ttl = _parse_ttl(aig_header(headers, "cache-ttl"))
    if ttl is None:
        ttl = min(max(gateway_ttl or 0, 0), MAX_TTL_S)
    return CacheOptions(
        ttl_s=ttl,
        skip=_parse_skip(aig_header(headers, "skip-cache")),
        custom_key=_parse_custom_key(aig_header(headers, "cache-key")),
        method_cacheable=is_cacheable_method(method),
    )


def _parse_ttl(raw: str | None) -> int | None:
    if raw is None:
        return None
    try:
        return bounded_int(raw, 0, MAX_TTL_S)
    except InvalidInput as exc:
        raise BadRequest(f"aig-cache-ttl {exc} seconds (30 days)") from None


def _parse_skip(raw: str | None) -> bool:
    if raw is None:
        return False
    value = raw.strip().lower()
    if value in ("true", "1"):
        return True
    if value in ("false", "0"):
        return False
    raise BadRequest("aig-skip-cache must be true or false")


def _parse_custom_key(raw: str | None) -> str | None:
    if raw is None:
        return None
    if not raw.strip():
        raise BadRequest("aig-cache-key must not be empty")
    if len(raw) > MAX_CUSTOM_KEY_LENGTH:
        raise BadRequest(f"aig-cache-key is longer than {MAX_CUSTOM_KEY_LENGTH} characters")
    return raw
