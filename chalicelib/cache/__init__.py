"""The gateway's response cache: provider answers stored in S3 and replayed on a hit.

Use on the proxy path (no web framework here):

    options = cache_options(request.headers, gateway.cache_ttl, request.method)
    if options.enabled:                                   # caching off: zero AWS calls
        key = cache_key(account, gateway_id, gateway.cache_generation, provider=...,
                        custom_key=options.custom_key, ...)
        hit = cache.get(key)                              # one GetObject
        ...
        cache.put(key, response, options.ttl_s)           # after a miss; 2xx only

Invalidation is O(1): the gateway's `cache_generation` is part of every key, so bumping
it hides all older answers; `ResponseCache.purge` deletes a gateway's objects in batches.

Knows S3, not HTTP frameworks; imports nothing else of the project.
"""

from chalicelib.cache.object_keys import (
    CACHE_PREFIX,
    CREDENTIAL_HEADERS,
    VARYING_HEADERS,
    cache_key,
    gateway_prefix,
)
from chalicelib.cache.options import CacheOptions
from chalicelib.cache.policy import (
    MAX_CACHED_BODY_BYTES,
    MAX_TTL_S,
    REPLAYED_HEADERS,
    is_cacheable_method,
    is_cacheable_response,
    replayable_headers,
)
from chalicelib.cache.record import CachedResponse
from chalicelib.cache.store import CACHE_TAG, ResponseCache

__all__ = [
    "CACHE_PREFIX",
    "CACHE_TAG",
    "CREDENTIAL_HEADERS",
    "MAX_CACHED_BODY_BYTES",
    "MAX_TTL_S",
    "REPLAYED_HEADERS",
    "VARYING_HEADERS",
    "CacheOptions",
    "CachedResponse",
    "ResponseCache",
    "cache_key",
    "gateway_prefix",
    "is_cacheable_method",
    "is_cacheable_response",
    "replayable_headers",
]
