"""Gateway settings as the proxy sees them: read through a short per-process cache.

The hot path then costs one GetItem per gateway and cache period, not one per request.
Settings changes reach a warm Lambda within the period; log counts and caps are not
cached (admission checks them in DynamoDB), so a stale cache never stores too many.
When the control table cannot be reached, the last known settings are served for up to
`stale_s` past their period (stale-if-error, see `stale.py`), then the request gets a 503.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol

from chalicelib.accounts import Gateway
from chalicelib.errors import ServiceUnavailable
from chalicelib.proxy.stale import SourceUnavailable, StaleIfError

DEFAULT_STALE_S = 300.0

UNAVAILABLE = "gateway settings are unavailable: the control store cannot be reached; try again"


class GatewaySource(Protocol):
    """Where gateways are read from (the AccountStore)."""

    def get_gateway(self, account_id: str, gateway_id: str) -> Gateway | None: ...


class GatewayCache:
    """A GatewaySource that remembers answers (unknown gateways too) for `ttl_s`, and for
    `stale_s` longer while the source fails."""

    def __init__(
        self,
        source: GatewaySource,
        ttl_s: float,
        clock: Callable[[], float] = time.monotonic,
        stale_s: float = DEFAULT_STALE_S,
    ) -> None:
        self._source = source
        self._answers: StaleIfError[tuple[str, str], Gateway | None] = StaleIfError(
            ttl_s, stale_s, clock
        )

    def get_gateway(self, account_id: str, gateway_id: str) -> Gateway | None:
        """The gateway, from the cache while it is fresh; ServiceUnavailable when it can be
        neither read nor served stale."""
        try:
            return self._answers.get(
                (account_id, gateway_id),
                lambda: self._source.get_gateway(account_id, gateway_id),
            )
        except SourceUnavailable as exc:
            raise ServiceUnavailable(UNAVAILABLE) from exc
