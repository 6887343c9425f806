"""Data-plane route matching."""

from __future__ import annotations

import pytest

from chalicelib.dataplane.routes import PROXY_METHODS, UNIVERSAL_METHODS, match


def test_universal_and_provider_paths() -> None:
    universal = match("/v1/acme/main")
    assert universal is not None and universal.methods == UNIVERSAL_METHODS
    assert universal.params == {"account_id": "acme", "gateway_id": "main"}
    proxy = match("/v1/acme/main/openai/chat/completions")
    assert proxy is not None and proxy.methods == PROXY_METHODS
    assert proxy.params == {
        "account_id": "acme",
        "gateway_id": "main",
        "provider": "openai",
        "p1": "chat",
        "p2": "completions",
    }


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/healthz",
        "/v1",
        "/v1/acme",
        "/v1/acme/main/openai",
        "/v2/a/b/c/d",
        "/v1//main",
        "/v1/a/b/openai/chat/",
        "/v1/a/b/p/" + "/".join("s" * 9),
    ],
)
def test_other_paths_are_not_proxy_routes(path: str) -> None:
    assert match(path) is None
