"""Provider and path resolution of unified-API models."""

from __future__ import annotations

import pytest

from chalicelib.compat import CompatError
from chalicelib.compat.routing import google_model_path, openai_path, resolve_model
from chalicelib.providers.registry import PROVIDERS, Provider, upstream_url
from chalicelib.providers.wires import OPENAI_WIRE


@pytest.mark.parametrize(
    ("model", "slug", "name"),
    [
        ("openai/gpt-4o-mini", "openai", "gpt-4o-mini"),
        ("anthropic/claude-sonnet-4-5", "anthropic", "claude-sonnet-4-5"),
        ("google-ai-studio/gemini-2.0-flash", "google-ai-studio", "gemini-2.0-flash"),
        ("openrouter/meta-llama/llama-3-8b", "openrouter", "meta-llama/llama-3-8b"),
    ],
)
def test_resolve_model(model: str, slug: str, name: str) -> None:
    provider, bare = resolve_model(model)
    assert provider.slug == slug
    assert bare == name


@pytest.mark.parametrize("model", [None, "", 42, "gpt-4o", "openai/", "/gpt-4o"])
def test_resolve_model_rejects_malformed(model: object) -> None:
    with pytest.raises(CompatError, match="model"):
        resolve_model(model)


def test_resolve_model_rejects_unknown_provider() -> None:
    with pytest.raises(CompatError, match="unknown provider 'acme'.*anthropic"):
        resolve_model("acme/model")


@pytest.mark.parametrize(
    ("slug", "url"),
    [
        ("openai", "https://api.openai.com/v1/chat/completions"),
        ("groq", "https://api.groq.com/openai/v1/chat/completions"),
        ("mistral", "https://api.mistral.ai/v1/chat/completions"),
        ("deepseek", "https://api.deepseek.com/chat/completions"),
        ("xai", "https://api.x.ai/v1/chat/completions"),
        ("openrouter", "https://openrouter.ai/api/v1/chat/completions"),
        ("perplexity-ai", "https://api.perplexity.ai/chat/completions"),
        ("cerebras", "https://api.cerebras.ai/v1/chat/completions"),
    ],
)
def test_openai_path_reaches_the_real_endpoint(slug: str, url: str) -> None:
    provider = PROVIDERS[slug]
    assert upstream_url(provider, openai_path(provider, "chat", "completions"), []) == url


def test_openai_path_for_every_openai_wire_provider_ends_with_endpoint() -> None:
    for provider in PROVIDERS.values():
        if provider.wire is OPENAI_WIRE:
            assert openai_path(provider, "embeddings")[-1] == "embeddings"


def test_openai_path_with_versioned_override() -> None:
    local = Provider("mistral", "http://127.0.0.1:9000/v2/", OPENAI_WIRE, None)
    assert openai_path(local, "chat", "completions") == ["chat", "completions"]


def test_google_model_path() -> None:
    assert google_model_path("gemini-2.0-flash", "generateContent") == [
        "v1beta",
        "models",
        "gemini-2.0-flash:generateContent",
    ]
    assert google_model_path("models/x", "batchEmbedContents")[-1] == "x:batchEmbedContents"


@pytest.mark.parametrize("model", ["a/b", "a:b", "models/"])
def test_google_model_path_rejects_odd_names(model: str) -> None:
    with pytest.raises(CompatError):
        google_model_path(model, "generateContent")
