"""The provider registry: slug -> base URL, wire format and price-table id.

A new OpenAI-compatible provider is one `Provider(...)` line. Base URLs follow
Cloudflare's mapping (the path after the slug is appended verbatim) and each can be
overridden per deployment with env `AIG_PROVIDER_URL_<SLUG>` (upper-cased, `-` -> `_`).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import quote, urlencode


@dataclass(frozen=True)
class Provider:
    """One upstream AI provider."""

    slug: str
    base_url: str
    wire: str
    """Wire format of its bodies: "openai", "anthropic" or "google"."""
    price_id: str | None
    """Provider id in the genai-prices table, None when it has none."""


_PROVIDERS = (
    Provider("openai", "https://api.openai.com/v1", "openai", "openai"),
    Provider("anthropic", "https://api.anthropic.com", "anthropic", "anthropic"),
    Provider("google-ai-studio", "https://generativelanguage.googleapis.com", "google", "google"),
    Provider("groq", "https://api.groq.com/openai/v1", "openai", "groq"),
    Provider("mistral", "https://api.mistral.ai", "openai", "mistral"),
    Provider("deepseek", "https://api.deepseek.com", "openai", "deepseek"),
    Provider("xai", "https://api.x.ai", "openai", "x-ai"),
    Provider("grok", "https://api.x.ai", "openai", "x-ai"),
    Provider("openrouter", "https://openrouter.ai/api", "openai", "openrouter"),
    Provider("perplexity-ai", "https://api.perplexity.ai", "openai", "perplexity"),
    Provider("cerebras", "https://api.cerebras.ai/v1", "openai", None),
)
PROVIDERS: dict[str, Provider] = {p.slug: p for p in _PROVIDERS}


def get_provider(slug: str, env: Mapping[str, str] | None = None) -> Provider | None:
    """Return the provider for `slug` with its deployment's base URL, or None if unknown."""
    provider = PROVIDERS.get(slug)
    if provider is None:
        return None
    env = os.environ if env is None else env
    override = env.get("AIG_PROVIDER_URL_" + slug.upper().replace("-", "_"))
    if override:
        return Provider(provider.slug, override, provider.wire, provider.price_id)
    return provider


def upstream_url(
    provider: Provider, path_segments: Iterable[str], query: Iterable[tuple[str, str]]
) -> str:
    """Return the provider URL for a gateway path (segments already URL-decoded)."""
    path = "/".join(quote(segment, safe=":@!$&'()*+,;=-._~") for segment in path_segments)
    url = f"{provider.base_url.rstrip('/')}/{path}"
    encoded = urlencode(list(query))
    return f"{url}?{encoded}" if encoded else url
