"""OpenAI-shaped error bodies and the unified API's error type."""

from __future__ import annotations

import json

import pytest

from chalicelib.compat import CompatError, error_body, provider_error_body


def decoded(body: bytes) -> dict:
    return json.loads(body)["error"]


def test_compat_error_carries_message_and_400() -> None:
    error = CompatError("bad thing")
    assert error.message == "bad thing"
    assert str(error) == "bad thing"
    assert error.status == 400


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (400, "invalid_request_error"),
        (401, "authentication_error"),
        (403, "permission_error"),
        (404, "not_found_error"),
        (429, "rate_limit_error"),
        (418, "invalid_request_error"),
        (500, "server_error"),
        (529, "server_error"),
    ],
)
def test_error_body_type_follows_status(status: int, kind: str) -> None:
    assert decoded(error_body(status, "m", "c")) == {
        "message": "m",
        "type": kind,
        "param": None,
        "code": "c",
    }


def test_anthropic_error_is_reshaped() -> None:
    native = {"type": "error", "error": {"type": "overloaded_error", "message": "busy"}}
    error = decoded(provider_error_body(529, json.dumps(native).encode()))
    assert error == {
        "message": "busy",
        "type": "server_error",
        "param": None,
        "code": "overloaded_error",
    }


def test_google_error_is_reshaped() -> None:
    native = {"error": {"code": 429, "message": "quota", "status": "RESOURCE_EXHAUSTED"}}
    error = decoded(provider_error_body(429, json.dumps(native).encode()))
    assert error["message"] == "quota"
    assert error["type"] == "rate_limit_error"
    assert error["code"] == "RESOURCE_EXHAUSTED"


def test_google_error_array_is_reshaped() -> None:
    native = [{"error": {"code": 400, "message": "bad arg", "status": "INVALID_ARGUMENT"}}]
    error = decoded(provider_error_body(400, json.dumps(native).encode()))
    assert (error["message"], error["code"]) == ("bad arg", "INVALID_ARGUMENT")


def test_openai_error_keeps_its_code() -> None:
    native = {"error": {"message": "no key", "type": "invalid_request_error", "code": "k"}}
    error = decoded(provider_error_body(401, json.dumps(native).encode()))
    assert (error["message"], error["type"], error["code"]) == (
        "no key",
        "authentication_error",
        "invalid_request_error",
    )


def test_non_json_error_quotes_the_body() -> None:
    error = decoded(provider_error_body(502, b"<html>Bad Gateway</html>"))
    assert error["message"] == "provider returned HTTP 502: <html>Bad Gateway</html>"
    assert error["code"] is None


def test_empty_error_body_names_the_status() -> None:
    assert decoded(provider_error_body(503, b""))["message"] == "provider returned HTTP 503"


def test_long_error_body_is_cut() -> None:
    error = decoded(provider_error_body(500, b"x" * 5000))
    assert len(error["message"]) < 600
