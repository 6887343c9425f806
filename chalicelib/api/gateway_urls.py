"""`GET .../gateways/{g}/url/{provider}` (the SDK's `urls.get`): the base URL a client of
that provider uses through the gateway, `<data plane>/v1/{a}/{g}/{provider}`."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from chalicelib.accounts import AccountStore
from chalicelib.api.management import open_gateway
from chalicelib.edge import success
from chalicelib.errors import NotFound

LOOPBACK = frozenset({"127.0.0.1", "localhost"})
HOST = re.compile(r"^(?P<name>[A-Za-z0-9.-]{1,253})(?::[0-9]{1,5})?$")
"""A Host header used as the base URL: a name or IPv4 address and a port, nothing else."""


class GatewayUrlsApi:
    """Gateway URLs per provider."""

    def __init__(
        self,
        accounts: AccountStore,
        known_provider: Callable[[str, str], bool],
        base_url: str | None,
    ) -> None:
        """`known_provider(account_id, slug)`; `base_url`: the data plane's, None to use
        the request's host."""
        self._accounts = accounts
        self._known = known_provider
        self._base_url = base_url.rstrip("/") if base_url else None

    def get(
        self, account_id: str, gateway_id: str, provider: str, host: str | None
    ) -> dict[str, Any]:
        """The URL (a string result); NotFound for an unknown gateway or provider."""
        open_gateway(self._accounts, account_id, gateway_id)
        if not self._known(account_id, provider):
            raise NotFound(f"provider {provider[:64]} not found")
        return success(f"{self._base(host)}/v1/{account_id}/{gateway_id}/{provider}")

    def _base(self, host: str | None) -> str:
        if self._base_url:
            return self._base_url
        matched = HOST.fullmatch(host or "")
        if matched is None:
            return "http://localhost"
        scheme = "http" if matched["name"] in LOOPBACK else "https"
        return f"{scheme}://{matched[0]}"
