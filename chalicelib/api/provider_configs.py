"""Stored provider keys of a gateway, Cloudflare's `provider_configs`: POST stores a key
(sealed, chalicelib.provider_keys), GET lists them (a masked preview, never the key), and
DELETE .../provider_configs/{id} (ours: the SDK has no delete) removes one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalicelib.accounts import AccountStore
from chalicelib.api.management import (
    DEFAULT_PER_PAGE,
    MAX_PAGE_OFFSET,
    MAX_PER_PAGE,
    QueryParams,
    int_param,
    open_gateway,
)
from chalicelib.edge import success
from chalicelib.errors import ServiceUnavailable
from chalicelib.provider_keys import KeyUnavailable, ProviderKeyStore, parse_new_key

UNAVAILABLE = "provider keys cannot be stored right now: the key service is unavailable"

KnownProvider = Callable[[str, str], bool]
"""Whether (account_id, provider slug) names a provider the account's gateways proxy to."""


class ProviderConfigsApi:
    """The provider keys of one account's gateways (the caller authenticated the account)."""

    def __init__(
        self, accounts: AccountStore, keys: ProviderKeyStore, known_provider: KnownProvider
    ) -> None:
        self._accounts = accounts
        self._keys = keys
        self._known = known_provider

    def create(self, account_id: str, gateway_id: str, body: Any) -> dict[str, Any]:
        """POST .../gateways/{g}/provider_configs."""
        open_gateway(self._accounts, account_id, gateway_id)
        new, secret = parse_new_key(body, lambda slug: self._known(account_id, slug))
        try:
            stored = self._keys.add(account_id, gateway_id, new, secret)
        except KeyUnavailable as exc:
            raise ServiceUnavailable(UNAVAILABLE) from exc
        return success(stored.to_api())

    def list(self, account_id: str, gateway_id: str, query: QueryParams) -> dict[str, Any]:
        """GET .../gateways/{g}/provider_configs (page, per_page), newest first."""
        per_page = int_param(query, "per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE)
        page = int_param(query, "page", 1, 1, MAX_PAGE_OFFSET)
        open_gateway(self._accounts, account_id, gateway_id)
        keys = self._keys.keys(account_id, gateway_id)
        chunk = keys[(page - 1) * per_page : page * per_page]
        info = {"page": page, "per_page": per_page, "count": len(chunk), "total_count": len(keys)}
        return success([key.to_api() for key in chunk], info)

    def delete(self, account_id: str, gateway_id: str, config_id: str) -> dict[str, Any]:
        """DELETE .../gateways/{g}/provider_configs/{id}: the key is no longer used."""
        open_gateway(self._accounts, account_id, gateway_id)
        return success(self._keys.delete(account_id, gateway_id, config_id).to_api())
