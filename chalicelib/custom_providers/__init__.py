"""Custom providers (Cloudflare's `custom-providers`): an account's OpenAI-compatible
upstreams, each a slug and a base URL the gateway may call (public https; loopback only
under `make run`), proxied at `/v1/{a}/{g}/custom-{slug}/...`. Imports chalicelib.accounts,
chalicelib.providers, chalicelib.dynamo and chalicelib.errors."""

from chalicelib.custom_providers.fields import (
    PREFIX,
    NewCustomProvider,
    check_base_url,
    check_slug,
    parse_custom_provider,
)
from chalicelib.custom_providers.store import MAX_PER_ACCOUNT, CustomProvider, CustomProviderStore

__all__ = [
    "MAX_PER_ACCOUNT",
    "PREFIX",
    "CustomProvider",
    "CustomProviderStore",
    "NewCustomProvider",
    "check_base_url",
    "check_slug",
    "parse_custom_provider",
]
