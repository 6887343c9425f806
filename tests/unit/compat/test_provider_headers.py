"""Upstream headers of translated requests."""

from __future__ import annotations

from chalicelib.compat.provider_headers import provider_headers
from chalicelib.providers.wires import ANTHROPIC_VERSION, ANTHROPIC_WIRE, GOOGLE_WIRE, OPENAI_WIRE


def test_anthropic_bearer_becomes_x_api_key_with_version() -> None:
    headers = provider_headers(
        ANTHROPIC_WIRE,
        {"Authorization": "Bearer sk-ant", "Content-Length": "99", "user-agent": "ua"},
    )
    assert headers == {
        "user-agent": "ua",
        "content-type": "application/json",
        "x-api-key": "sk-ant",
        "anthropic-version": ANTHROPIC_VERSION,
    }


def test_anthropic_keeps_client_key_and_version() -> None:
    headers = provider_headers(
        ANTHROPIC_WIRE,
        {"X-Api-Key": "own", "authorization": "Bearer other", "Anthropic-Version": "2099-01-01"},
    )
    assert headers == {
        "X-Api-Key": "own",
        "Anthropic-Version": "2099-01-01",
        "content-type": "application/json",
    }


def test_anthropic_non_bearer_authorization_is_left_alone() -> None:
    headers = provider_headers(ANTHROPIC_WIRE, {"authorization": "Basic abc"})
    assert headers["authorization"] == "Basic abc"
    assert "x-api-key" not in headers


def test_google_bearer_becomes_goog_api_key() -> None:
    headers = provider_headers(
        GOOGLE_WIRE, {"authorization": "bearer  g-key ", "Content-Type": "x"}
    )
    assert headers == {"content-type": "application/json", "x-goog-api-key": "g-key"}
    assert "anthropic-version" not in headers


def test_openai_wire_keeps_authorization() -> None:
    headers = provider_headers(OPENAI_WIRE, {"Authorization": "Bearer sk", "content-length": "5"})
    assert headers == {"Authorization": "Bearer sk", "content-type": "application/json"}
