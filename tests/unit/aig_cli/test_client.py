from __future__ import annotations

import httpx
import pytest

from aig_cli.client import ApiClient
from aig_cli.errors import (
    EXIT_REFUSED,
    EXIT_SERVER,
    EXIT_UNREACHABLE,
    ApiFailed,
    ApiRefused,
    ApiUnreachable,
)
from aig_cli.settings import Settings

TOKEN = "secret-token-123"
SETTINGS = Settings("http://gw.test/api", TOKEN, "acme", "main")


def _client(handler: httpx.MockTransport) -> ApiClient:
    return ApiClient(SETTINGS, transport=handler)


def _failing(status: int, message: str) -> httpx.MockTransport:
    envelope = {"success": False, "errors": [{"code": 1, "message": message}], "result": None}
    return httpx.MockTransport(lambda request: httpx.Response(status, json=envelope))


def test_a_success_is_unwrapped_and_sent_with_the_token() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"success": True, "result": [1], "result_info": {"n": 1}})

    with _client(httpx.MockTransport(answer)) as api:
        result = api.call("GET", api.gateway_path("logs"), [("model", "a b")])
    assert (result.result, result.info) == ([1], {"n": 1})
    assert (
        str(seen[0].url)
        == "http://gw.test/api/accounts/acme/ai-gateway/gateways/main/logs?model=a+b"
    )
    assert seen[0].headers["authorization"] == f"Bearer {TOKEN}"


def test_a_refusal_carries_the_envelopes_message_without_the_token() -> None:
    with (
        _client(_failing(400, f"bad filter near {TOKEN}")) as api,
        pytest.raises(ApiRefused) as refused,
    ):
        api.call("GET", "/x")
    assert refused.value.exit_code == EXIT_REFUSED and refused.value.status == 400
    assert refused.value.message == "refused (400): bad filter near ***"


def test_a_bad_token_says_where_the_token_comes_from() -> None:
    with _client(_failing(401, "invalid API token")) as api, pytest.raises(ApiRefused) as refused:
        api.call("GET", "/x")
    assert "invalid API token (check --token or AIG_TOKEN)" in refused.value.message


def test_server_errors_and_foreign_answers() -> None:
    with _client(_failing(503, "try again")) as api, pytest.raises(ApiFailed) as failed:
        api.call("GET", "/x")
    assert failed.value.exit_code == EXIT_SERVER and "(503): try again" in failed.value.message
    html = httpx.MockTransport(lambda request: httpx.Response(200, text="<html>"))
    with _client(html) as api, pytest.raises(ApiFailed, match="unexpected answer"):
        api.call("GET", "/x")


def test_an_unreachable_url_is_named() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused")

    with _client(httpx.MockTransport(refuse)) as api, pytest.raises(ApiUnreachable) as failed:
        api.call("GET", "/x")
    assert failed.value.exit_code == EXIT_UNREACHABLE
    assert failed.value.message == "could not reach http://gw.test/api: connection refused"
