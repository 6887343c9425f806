import pytest

from chalicelib.cache.policy import (
    MAX_CACHED_BODY_BYTES,
    is_cacheable_method,
    is_cacheable_response,
    replayable_headers,
)


@pytest.mark.parametrize(
    ("status", "cacheable"), [(199, False), (200, True), (201, True), (299, True), (300, False)]
)
def test_only_2xx_is_cacheable(status: int, cacheable: bool) -> None:
    assert is_cacheable_response(status, b"{}") is cacheable


@pytest.mark.parametrize("status", [304, 400, 401, 404, 429, 500, 502, 504])
def test_errors_are_not_cacheable(status: int) -> None:
    assert not is_cacheable_response(status, b"{}")


def test_size_guard() -> None:
    assert is_cacheable_response(200, b"x" * MAX_CACHED_BODY_BYTES)
    assert not is_cacheable_response(200, b"x" * (MAX_CACHED_BODY_BYTES + 1))


def test_methods() -> None:
    assert is_cacheable_method("POST") and is_cacheable_method("get")
    assert not is_cacheable_method("PUT") and not is_cacheable_method("DELETE")


def test_replayable_headers_from_relayed_dict() -> None:
    relayed = {
        "Content-Type": "text/event-stream; charset=utf-8",
        "x-request-id": "req_1",
        "openai-version": "2020-10-01",
        "set-cookie": ["__cf_bm=abc; HttpOnly", "other=1"],
        "transfer-encoding": "chunked",
        "connection": "keep-alive",
        "content-length": "12",
        "content-encoding": "gzip",
        "x-ratelimit-remaining-requests": "99",
        "anthropic-ratelimit-tokens-remaining": "1000",
        "retry-after": "1",
        "openai-organization": "org-of-the-first-caller",
        "anthropic-organization-id": "org-id",
        "aig-log-id": "01LOG",
        "cf-ray": "8a1",
    }
    assert replayable_headers(relayed) == {
        "Content-Type": "text/event-stream; charset=utf-8",
        "x-request-id": "req_1",
        "openai-version": "2020-10-01",
    }


def test_replayable_headers_from_pairs_joins_repeats() -> None:
    pairs = [
        ("content-type", "application/json"),
        ("Content-Language", "en"),
        ("content-language", "fr"),
        ("Set-Cookie", "a=1"),
    ]
    assert replayable_headers(pairs) == {
        "content-type": "application/json",
        "Content-Language": "en",
        "content-language": "fr",
    }
    assert replayable_headers([("content-language", "en"), ("content-language", "fr")]) == {
        "content-language": "en, fr"
    }
