from chalicelib.providers.registry import PROVIDERS, upstream_url
from chalicelib.settings import Settings

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
        provider = PROVIDERS[slug]
        assert upstream_url(provider, path.split("/"), []) == url


def test_env_overrides_base_url() -> None:
    env = {
        "AIG_PROVIDER_URL_GOOGLE_AI_STUDIO": "http://127.0.0.1:9000/google",
        "AIG_PROVIDER_URL_OPENAI": "",
        "AIG_PROVIDER_URL_groq": "http://127.0.0.1:9000/groq",
    }
    providers = PROVIDERS.with_urls(Settings.from_env(env).provider_urls)
    assert providers["google-ai-studio"].base_url == "http://127.0.0.1:9000/google"
    assert providers["google-ai-studio"].wire is PROVIDERS["google-ai-studio"].wire
    assert providers["openai"].base_url == "https://api.openai.com/v1"
    assert providers["groq"].base_url == "https://api.groq.com/openai/v1"
    assert PROVIDERS["google-ai-studio"].base_url == "https://generativelanguage.googleapis.com"


def test_query_string_is_kept_and_segments_are_escaped() -> None:
    provider = PROVIDERS["openai"]
    url = upstream_url(provider, ["files", "a b"], [("limit", "2"), ("after", "x&y")])
    assert url == "https://api.openai.com/v1/files/a%20b?limit=2&after=x%26y"


def test_unknown_provider_is_none() -> None:
    assert PROVIDERS.get("nope") is None
