"""Authenticated gateways: `aig-authorization: Bearer <account API token>` on every request.

A token is valid for the gateways of the account that owns it. Positive answers are
remembered briefly per process (keyed by a hash, never the token), so a busy gateway
costs one token lookup per period; a revoked token stops working within `ttl_s`.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Mapping

from chalicelib.api.errors import Unauthorized
from chalicelib.proxy.headers import aig_header

DEFAULT_TTL_S = 30.0

TokenOwner = Callable[[str], str | None]
"""The account id that owns an API token, or None (AccountStore.account_of_token)."""


class GatewayAuth:
    """Checks the `aig-authorization` header of requests to authenticated gateways."""

    def __init__(
        self,
        token_owner: TokenOwner,
        ttl_s: float = DEFAULT_TTL_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._token_owner = token_owner
        self._ttl_s = ttl_s
        self._clock = clock
        self._valid: dict[tuple[str, str], float] = {}

    def check(self, headers: Mapping[str, str], account_id: str) -> None:
        """Return if the request carries a token of `account_id`; raise Unauthorized if not.

        The token never appears in an error message.
        """
        scheme, _, token = (aig_header(headers, "authorization") or "").strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise Unauthorized(
                "this gateway requires authentication: send aig-authorization: Bearer <API token>"
            )
        key = (hashlib.sha256(token.encode()).hexdigest(), account_id)
        now = self._clock()
        checked_at = self._valid.get(key)
        if checked_at is not None and now - checked_at < self._ttl_s:
            return
        if self._token_owner(token) != account_id:
            self._valid.pop(key, None)
            raise Unauthorized("invalid aig-authorization token for this gateway")
        self._valid[key] = now
