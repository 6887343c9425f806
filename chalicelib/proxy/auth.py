"""Authenticated gateways: `aig-authorization: Bearer <account API token>` on every request.

A token is valid for the gateways of the account that owns it. Positive answers are
remembered briefly per process (keyed by a hash, never the token), so a busy gateway
costs one token lookup per period; a revoked token stops working within `ttl_s`. When the
control table cannot be reached, a token verified before keeps working for up to `stale_s`
past its period (stale-if-error); any other token gets a 503 meanwhile.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Mapping

from chalicelib.accounts import bearer_token
from chalicelib.errors import ServiceUnavailable, Unauthorized
from chalicelib.proxy.options import aig_header
from chalicelib.proxy.stale import SourceUnavailable, StaleIfError

DEFAULT_TTL_S = 30.0
DEFAULT_STALE_S = 300.0

UNAVAILABLE = (
    "gateway authentication is unavailable: the control store cannot be reached; try again"
)

TokenOwner = Callable[[str], str | None]
"""The account id that owns an API token, or None (AccountStore.account_of_token)."""


class GatewayAuth:
    """Checks the `aig-authorization` header of requests to authenticated gateways."""

    def __init__(
        self,
        token_owner: TokenOwner,
        ttl_s: float = DEFAULT_TTL_S,
        clock: Callable[[], float] = time.monotonic,
        stale_s: float = DEFAULT_STALE_S,
    ) -> None:
        self._token_owner = token_owner
        self._owners: StaleIfError[str, str | None] = StaleIfError(ttl_s, stale_s, clock)

    def check(self, headers: Mapping[str, str], account_id: str) -> None:
        """Return if the request carries a token of `account_id`; raise Unauthorized if not,
        ServiceUnavailable if it cannot be checked.

        The token never appears in an error message.
        """
        token = bearer_token(aig_header(headers, "authorization"))
        if token is None:
            raise Unauthorized(
                "this gateway requires authentication: send aig-authorization: Bearer <API token>"
            )
        key = hashlib.sha256(token.encode()).hexdigest()
        try:
            owner = self._owners.get(key, lambda: self._token_owner(token))
        except SourceUnavailable as exc:
            raise ServiceUnavailable(UNAVAILABLE) from exc
        if owner is None:
            self._owners.forget(key)  # unknown tokens are not remembered: new ones work now
        if owner != account_id:
            raise Unauthorized("invalid aig-authorization token for this gateway")
