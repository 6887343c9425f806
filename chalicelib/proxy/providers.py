"""The provider registry: slug -> base URL, wire format, price-table id and path quirks.

A new OpenAI-compatible provider is one `Provider(...)` line. Base URLs follow
Cloudflare's mapping (the path after the slug is appended verbatim) and each can be
overridden per deployment with env `AIG_PROVIDER_URL_<SLUG>` (upper-cased, `-` -> `_`).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from urllib.parse import quote, urlencode

from chalicelib.proxy.wires import ANTHROPIC_WIRE, GOOGLE_WIRE, OPENAI_WIRE, Wire


@dataclass(frozen=True)
class Provider:
    """One upstream AI provider."""

    slug: str
    base_url: str
    wire: Wire
    """Wire format of its bodies (`wire.name` is "openai", "anthropic" or "google")."""
    price_id: str | None
    """Provider id in the genai-prices table, None when it has none."""
    root_served: bool = False
    """An OpenAI-compatible provider serving `/chat/completions` at the root of its base
    URL (no `v1/` prefix for the unified API)."""


_PROVIDERS = (
    Provider("openai", "https://api.openai.com/v1", OPENAI_WIRE, "openai"),
    Provider("anthropic", "https://api.anthropic.com", ANTHROPIC_WIRE, "anthropic"),
    Provider(
        "google-ai-studio", "https://generativelanguage.googleapis.com", GOOGLE_WIRE, "google"
    ),
    Provider("groq", "https://api.groq.com/openai/v1", OPENAI_WIRE, "groq"),
    Provider("mistral", "https://api.mistral.ai", OPENAI_WIRE, "mistral"),
    Provider("deepseek", "https://api.deepseek.com", OPENAI_WIRE, "deepseek", root_served=True),
    Provider("xai", "https://api.x.ai", OPENAI_WIRE, "x-ai"),
    Provider("grok", "https://api.x.ai", OPENAI_WIRE, "x-ai"),
    Provider("openrouter", "https://openrouter.ai/api", OPENAI_WIRE, "openrouter"),
    Provider(
        "perplexity-ai",
        "https://api.perplexity.ai",
        OPENAI_WIRE,
        "perplexity",
        root_served=True,
    ),
    Provider("cerebras", "https://api.cerebras.ai/v1", OPENAI_WIRE, None),
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
        return replace(provider, base_url=override)
    return provider


def upstream_url(
    provider: Provider, path_segments: Iterable[str], query: Iterable[tuple[str, str]]
) -> str:
    """Return the provider URL for a gateway path (segments already URL-decoded)."""
    path = "/".join(quote(segment, safe=":@!$&'()*+,;=-._~") for segment in path_segments)
    url = f"{provider.base_url.rstrip('/')}/{path}"
    encoded = urlencode(list(query))
    return f"{url}?{encoded}" if encoded else url
