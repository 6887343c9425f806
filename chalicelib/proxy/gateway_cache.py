"""Gateway settings as the proxy sees them: read through a short per-process cache.

The hot path then costs one GetItem per gateway and cache period, not one per request.
Settings changes reach a warm Lambda within the period; log counts and caps are not
cached (admission checks them in DynamoDB), so a stale cache never stores too many.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol

from chalicelib.accounts.models import Gateway


class GatewaySource(Protocol):
    """Where gateways are read from (the AccountStore)."""

    def get_gateway(self, account_id: str, gateway_id: str) -> Gateway | None: ...


class GatewayCache:
    """A GatewaySource that remembers answers (unknown gateways too) for `ttl_s`."""

    def __init__(
        self,
        source: GatewaySource,
        ttl_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._source = source
        self._ttl_s = ttl_s
        self._clock = clock
        self._entries: dict[tuple[str, str], tuple[float, Gateway | None]] = {}

    def get_gateway(self, account_id: str, gateway_id: str) -> Gateway | None:
        """The gateway, from the cache while it is fresh."""
        key = (account_id, gateway_id)
        now = self._clock()
        entry = self._entries.get(key)
        if entry is not None and now - entry[0] < self._ttl_s:
            return entry[1]
        gateway = self._source.get_gateway(account_id, gateway_id)
        self._entries[key] = (now, gateway)
        return gateway
