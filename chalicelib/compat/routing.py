"""Which provider a unified-API `model` names, and where its OpenAI-style endpoints live."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from chalicelib.errors import CompatError
from chalicelib.providers import PROVIDERS, Provider


def resolve_model(
    model: Any, providers: Mapping[str, Provider] = PROVIDERS
) -> tuple[Provider, str]:
    """The provider (of `providers`) and bare model of `"{provider}/{model}"` (the model may
    contain "/")."""
    if not isinstance(model, str) or not model:
        raise CompatError("'model' is required, as '{provider}/{model}'")
    slug, slash, name = model.partition("/")
    if not slash or not slug or not name:
        raise CompatError(f"'model' must be '{{provider}}/{{model}}', got {model!r}")
    provider = providers.get(slug)
    if provider is None:
        known = ", ".join(sorted(providers))
        raise CompatError(f"unknown provider {slug!r} in 'model'; known: {known}")
    return provider, name


def openai_path(provider: Provider, *endpoint: str) -> list[str]:
    """Path segments of an OpenAI-compatible endpoint, relative to the provider's base URL.

    Base URLs that already end in a version (`.../v1`) take the endpoint as is; the others
    need a `v1/` prefix, except the providers that serve it at their root (`root_served`).
    """
    last = urlsplit(provider.base_url).path.rstrip("/").rpartition("/")[2]
    versioned = last[:1] == "v" and last[1:].isdigit()
    prefix = [] if versioned or provider.root_served else ["v1"]
    return [*prefix, *endpoint]


def google_model_path(model: str, method: str) -> list[str]:
    """Path segments of a Gemini model method, e.g. `v1beta/models/{m}:generateContent`."""
    name = model.removeprefix("models/")
    if not name or "/" in name or ":" in name:
        raise CompatError(f"invalid Google model name {model!r}")
    return ["v1beta", "models", f"{name}:{method}"]
