"""The provider registry: slug -> base URL, wire format, price-table id and path quirks.

A new OpenAI-compatible provider is one `Provider(...)` line. Base URLs follow
Cloudflare's mapping (the path after the slug is appended verbatim) and each can be
overridden per deployment with env `AIG_PROVIDER_URL_<SLUG>` (upper-cased, `-` -> `_`),
read once into `Settings.provider_urls`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from urllib.parse import quote, urlencode

from chalicelib.providers.wires import ANTHROPIC_WIRE, GOOGLE_WIRE, OPENAI_WIRE, Wire


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


def url_key(slug: str) -> str:
    """The env-name suffix of a provider's base-URL override (`AIG_PROVIDER_URL_<key>`)."""
    return slug.upper().replace("-", "_")


class ProviderRegistry(Mapping[str, Provider]):
    """Providers by slug; immutable (`extended` and `with_urls` return new registries)."""

    def __init__(self, providers: Iterable[Provider]) -> None:
        self._providers = {provider.slug: provider for provider in providers}

    def __getitem__(self, slug: str) -> Provider:
        return self._providers[slug]

    def __iter__(self) -> Iterator[str]:
        return iter(self._providers)

    def __len__(self) -> int:
        return len(self._providers)

    def extended(self, *providers: Provider) -> ProviderRegistry:
        """This registry plus `providers` (replacing those with the same slug)."""
        return ProviderRegistry([*self.values(), *providers])

    def with_urls(self, urls: Mapping[str, str]) -> ProviderRegistry:
        """This registry with base URLs overridden by `urls`, keyed by `url_key(slug)`
        (empty values are ignored)."""
        return ProviderRegistry(
            replace(provider, base_url=urls[url_key(slug)]) if urls.get(url_key(slug)) else provider
            for slug, provider in self.items()
        )


PROVIDERS = ProviderRegistry(
    [
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
    ]
)
"""The built-in providers, with their public base URLs."""


def upstream_url(
    provider: Provider, path_segments: Iterable[str], query: Iterable[tuple[str, str]]
) -> str:
    """Return the provider URL for a gateway path (segments already URL-decoded)."""
    path = "/".join(quote(segment, safe=":@!$&'()*+,;=-._~") for segment in path_segments)
    url = f"{provider.base_url.rstrip('/')}/{path}"
    encoded = urlencode(list(query))
    return f"{url}?{encoded}" if encoded else url
