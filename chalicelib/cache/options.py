"""What the cache may do for one request (parsed by chalicelib.proxy.options)."""

from __future__ import annotations

from dataclasses import dataclass


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
