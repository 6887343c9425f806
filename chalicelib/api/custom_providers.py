"""An account's custom providers, Cloudflare's `custom-providers` (create, list, get,
delete): each proxied at `/v1/{a}/{g}/custom-{slug}/...` (chalicelib.proxy.custom)."""

from __future__ import annotations

from typing import Any

from chalicelib.api.management import (
    DEFAULT_PER_PAGE,
    MAX_PAGE_OFFSET,
    MAX_PER_PAGE,
    QueryParams,
    bool_param,
    int_param,
    last_param,
)
from chalicelib.custom_providers import CustomProvider, CustomProviderStore, parse_custom_provider
from chalicelib.edge import success


class CustomProvidersApi:
    """The custom providers of one account (the caller authenticated the account)."""

    def __init__(self, store: CustomProviderStore, allow_loopback: bool) -> None:
        """`allow_loopback`: base URLs on 127.0.0.1 / localhost are accepted (`make run`)."""
        self._store = store
        self._allow_loopback = allow_loopback

    def create(self, account_id: str, body: Any) -> dict[str, Any]:
        """POST /accounts/{a}/ai-gateway/custom-providers."""
        new = parse_custom_provider(body, self._allow_loopback)
        return success(self._store.create(account_id, new).to_api())

    def list(self, account_id: str, query: QueryParams) -> dict[str, Any]:
        """GET .../custom-providers: page, per_page, search (id, name, slug), beta, enable."""
        per_page = int_param(query, "per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE)
        page = int_param(query, "page", 1, 1, MAX_PAGE_OFFSET)
        search = last_param(query, "search").lower()
        beta, enable = bool_param(query, "beta"), bool_param(query, "enable")
        found = [
            provider
            for provider in self._store.list(account_id)
            if _matches(provider, search)
            and (beta is None or bool(provider.beta) == beta)
            and (enable is None or provider.enable == enable)
        ]
        chunk = found[(page - 1) * per_page : page * per_page]
        info = {"page": page, "per_page": per_page, "count": len(chunk), "total_count": len(found)}
        return success([provider.to_api() for provider in chunk], info)

    def get(self, account_id: str, provider_id: str) -> dict[str, Any]:
        """GET .../custom-providers/{id}."""
        return success(self._store.get(account_id, provider_id).to_api())

    def delete(self, account_id: str, provider_id: str) -> dict[str, Any]:
        """DELETE .../custom-providers/{id}: its slug is no longer proxied (within the
        proxy's cache period) and may be taken again."""
        return success(self._store.delete(account_id, provider_id).to_api())


def _matches(provider: CustomProvider, search: str) -> bool:
    return any(search in text.lower() for text in (provider.id, provider.name, provider.slug))
