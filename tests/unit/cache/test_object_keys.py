import re
from typing import Any

import pytest

from chalicelib.cache.object_keys import cache_key, gateway_prefix

SECRET = "sk-live-SECRET-0123456789"

BASE: dict[str, Any] = {
    "account_id": "acme",
    "gateway_id": "main",
    "generation": 0,
    "provider": "openai",
    "method": "POST",
    "path": "chat/completions",
    "query": [],
    "headers": {
        "content-type": "application/json",
        "authorization": f"Bearer {SECRET}",
        "user-agent": "OpenAI/Python 1.0",
    },
    "body": b'{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}',
}


def key(**changes: Any) -> str:
    return cache_key(**{**BASE, **changes})


def with_headers(**extra: str) -> dict[str, str]:
    return {**BASE["headers"], **extra}


def test_key_shape_and_stability() -> None:
    first = key()
    assert re.fullmatch(r"cache/acme/main/0/[0-9a-f]{64}", first)
    assert key() == first
    assert key(method="post") == first
    upper = {name.title(): value for name, value in BASE["headers"].items()}
    assert key(headers=upper) == first


@pytest.mark.parametrize(
    "changes",
    [
        {"body": BASE["body"] + b" "},
        {"body": b""},
        {"path": "embeddings"},
        {"provider": "groq"},
        {"method": "GET"},
        {"gateway_id": "other"},
        {"account_id": "globex"},
        {"generation": 1},
        {"query": [("api-version", "2024-02-01")]},
        {"headers": with_headers(**{"anthropic-version": "2023-06-01"})},
        {"headers": with_headers(**{"anthropic-beta": "prompt-caching-2024-07-31"})},
        {"headers": with_headers(**{"openai-organization": "org-1"})},
        {"headers": with_headers(**{"openai-project": "proj-1"})},
        {"headers": with_headers(**{"openai-beta": "assistants=v2"})},
        {"headers": with_headers(**{"content-type": "text/plain"})},
    ],
    ids=lambda changes: ",".join(f"{k}={str(v)[:30]}" for k, v in changes.items()),
)
def test_key_changes_with_what_changes_the_answer(changes: dict[str, Any]) -> None:
    assert key(**changes) != key()


@pytest.mark.parametrize(
    "headers",
    [
        with_headers(authorization="Bearer sk-other"),
        with_headers(**{"x-api-key": "sk-ant-other"}),
        with_headers(**{"api-key": "azure-key"}),
        with_headers(**{"x-goog-api-key": "goog-key"}),
        with_headers(**{"user-agent": "curl/8"}),
        with_headers(**{"x-stainless-os": "Linux", "x-goog-api-client": "genai-py/1"}),
        with_headers(**{"aig-cache-ttl": "60", "cf-aig-metadata": "{}"}),
        with_headers(**{"accept": "*/*", "accept-encoding": "gzip"}),
        {k: v for k, v in BASE["headers"].items() if k != "authorization"},
    ],
)
def test_key_ignores_credentials_and_noise(headers: dict[str, str]) -> None:
    assert key(headers=headers) == key()


def test_google_query_key_is_a_credential() -> None:
    query = [("alt", "sse")]
    assert key(query=[*query, ("key", "goog-1")]) == key(query=query)
    assert key(query=[*query, ("key", "goog-1")]) != key(query=[])


def test_query_order_and_values_matter() -> None:
    assert key(query=[("a", "1"), ("b", "2")]) != key(query=[("b", "2"), ("a", "1")])
    assert key(query=[("a", "1")]) != key(query=[("a", "2")])


def test_key_includes_credentials_separates_callers() -> None:
    alice = key(
        headers=with_headers(authorization="Bearer sk-alice"), key_includes_credentials=True
    )
    bob = key(headers=with_headers(authorization="Bearer sk-bob"), key_includes_credentials=True)
    again = key(
        headers=with_headers(authorization="Bearer sk-alice"), key_includes_credentials=True
    )
    assert alice != bob
    assert alice == again
    assert alice != key(headers=with_headers(authorization="Bearer sk-alice"))


@pytest.mark.parametrize("header", ["x-api-key", "api-key", "x-goog-api-key"])
def test_every_credential_header_counts_when_included(header: str) -> None:
    one = key(headers=with_headers(**{header: "k1"}), key_includes_credentials=True)
    two = key(headers=with_headers(**{header: "k2"}), key_includes_credentials=True)
    assert one != two


def test_query_credential_counts_when_included() -> None:
    one = key(query=[("key", "g1")], key_includes_credentials=True)
    two = key(query=[("key", "g2")], key_includes_credentials=True)
    assert one != two


def test_modes_never_share_keys_even_without_credentials() -> None:
    headers = {"content-type": "application/json"}
    assert key(headers=headers, key_includes_credentials=True) != key(headers=headers)


def test_no_credential_text_in_key() -> None:
    for include in (False, True):
        made = key(query=[("key", SECRET)], key_includes_credentials=include)
        assert SECRET not in made and "SECRET" not in made


def test_custom_key_replaces_the_request_parts() -> None:
    custom = key(custom_key="faq-42")
    assert custom != key()
    assert key(custom_key="faq-42", body=b"other", path="embeddings", provider="groq") == custom
    assert key(custom_key="faq-43") != custom


def test_custom_key_stays_scoped_to_the_gateway() -> None:
    custom = key(custom_key="faq-42")
    assert key(custom_key="faq-42", account_id="globex") != custom
    assert key(custom_key="faq-42", gateway_id="other") != custom
    assert key(custom_key="faq-42", generation=7) != custom


def test_custom_key_keeps_credentials_when_included() -> None:
    alice = key(custom_key="k", headers={"authorization": "a"}, key_includes_credentials=True)
    bob = key(custom_key="k", headers={"authorization": "b"}, key_includes_credentials=True)
    assert alice != bob


def test_fields_cannot_bleed_into_each_other() -> None:
    assert key(path="ab", body=b"c") != key(path="a", body=b"bc")
    assert key(query=[("a", "b=c")]) != key(query=[("a=b", "c")])


def test_ids_with_slashes_cannot_collide() -> None:
    assert gateway_prefix("a/b", "c") != gateway_prefix("a", "b/c")
    assert gateway_prefix("a/b", "c") == "cache/a%2Fb/c/"
    assert not gateway_prefix("acme", "main2").startswith(gateway_prefix("acme", "main"))


def test_invalid_arguments() -> None:
    with pytest.raises(ValueError):
        key(generation=-1)
    with pytest.raises(ValueError):
        gateway_prefix("", "main")
