from chalicelib.proxy.providers import PROVIDERS, get_provider, upstream_url

REQUIRED = ["openai", "anthropic", "google-ai-studio", "groq", "mistral", "deepseek", "xai"]


def test_required_providers_are_registered() -> None:
    assert set(REQUIRED + ["openrouter"]) <= set(PROVIDERS)


def test_paths_map_like_cloudflare() -> None:
    cases = {
        ("openai", "chat/completions"): "https://api.openai.com/v1/chat/completions",
        ("anthropic", "v1/messages"): "https://api.anthropic.com/v1/messages",
        ("groq", "chat/completions"): "https://api.groq.com/openai/v1/chat/completions",
        (
            "google-ai-studio",
            "v1beta/models/gemini-2.0-flash:generateContent",
        ): "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.0-flash:generateContent",
    }
    for (slug, path), url in cases.items():
        provider = get_provider(slug, env={})
        assert provider is not None
        assert upstream_url(provider, path.split("/"), []) == url


def test_env_overrides_base_url() -> None:
    env = {"AIG_PROVIDER_URL_GOOGLE_AI_STUDIO": "http://127.0.0.1:9000/google"}
    provider = get_provider("google-ai-studio", env)
    assert provider is not None and provider.base_url == "http://127.0.0.1:9000/google"
    assert get_provider("openai", env).base_url == "https://api.openai.com/v1"  # type: ignore[union-attr]


def test_query_string_is_kept_and_segments_are_escaped() -> None:
    provider = get_provider("openai", env={})
    assert provider is not None
    url = upstream_url(provider, ["files", "a b"], [("limit", "2"), ("after", "x&y")])
    assert url == "https://api.openai.com/v1/files/a%20b?limit=2&after=x%26y"


def test_unknown_provider_is_none() -> None:
    assert get_provider("nope", env={}) is None
