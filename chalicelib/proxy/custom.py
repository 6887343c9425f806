"""Custom providers on the proxy path: `custom-{slug}` names one of the account's custom
providers (chalicelib.custom_providers), read through a short per-process cache (one GetItem
per account, slug and period, stale-if-error like gateway settings)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol

from chalicelib.accounts import ID_PATTERN
from chalicelib.custom_providers import PREFIX, CustomProvider, check_slug
from chalicelib.errors import BadRequest, ServiceUnavailable
from chalicelib.providers import Provider
from chalicelib.proxy.stale import SourceUnavailable, StaleIfError

UNAVAILABLE = "custom providers are unavailable: the control store cannot be reached; try again"


class CustomProviderSource(Protocol):
    """Where custom providers are read from (CustomProviderStore)."""

    def by_slug(self, account_id: str, slug: str) -> CustomProvider | None: ...


class CustomProviders:
    """The account's custom providers by proxy slug (`custom-{slug}`)."""

    def __init__(
        self,
        source: CustomProviderSource,
        ttl_s: float,
        stale_s: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._source = source
        self._answers: StaleIfError[tuple[str, str], CustomProvider | None] = StaleIfError(
            ttl_s, stale_s, clock
        )

    def provider(self, account_id: str, proxy_slug: str) -> Provider | None:
        """The enabled custom provider a proxy slug names, None when there is none."""
        slug = proxy_slug.removeprefix(PREFIX)
        if slug == proxy_slug or not ID_PATTERN.fullmatch(account_id):
            return None
        try:
            check_slug(slug)
        except BadRequest:
            return None
        try:
            found = self._answers.get(
                (account_id, slug), lambda: self._source.by_slug(account_id, slug)
            )
        except SourceUnavailable as exc:
            raise ServiceUnavailable(UNAVAILABLE) from exc
        return found.provider() if found is not None and found.enable else None
