"""Failure behaviour and account isolation over real HTTP."""

from __future__ import annotations

import cloudflare
import httpx
import pytest

from tests.support.gateway import UPSTREAM_TIMEOUT_S, Gateway

pytestmark = pytest.mark.e2e

CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}


@pytest.fixture(scope="module")
def rival_token(gateway: Gateway) -> str:
    """A second account, with its own gateway and token, in the same deployment."""
    store = gateway.accounts()
    store.create_account("rival", plan="free")
    store.create_gateway("rival", "default", {})
    return store.issue_token("rival", name="e2e").token


def _envelope_error(response: httpx.Response) -> str:
    body = response.json()
    assert body["success"] is False
    return body["errors"][0]["message"]


def test_unknown_provider_is_400(gateway: Gateway) -> None:
    response = httpx.post(gateway.base("nope") + "/chat/completions", json=CHAT)
    assert response.status_code == 400
    assert "unknown provider" in _envelope_error(response)


def test_unknown_account_or_gateway_is_404(gateway: Gateway) -> None:
    for url in (
        f"{gateway.url}/v1/nobody/default/openai/chat/completions",
        f"{gateway.url}/v1/demo/nogateway/openai/chat/completions",
    ):
        response = httpx.post(url, json=CHAT)
        assert response.status_code == 404, url
        assert "not found" in _envelope_error(response)


def test_unreachable_provider_is_502_and_logged(gateway: Gateway) -> None:
    response = httpx.post(gateway.base("mistral") + "/v1/chat/completions", json=CHAT)
    assert response.status_code == 502
    assert "could not be reached" in _envelope_error(response)
    assert "127.0.0.1" not in response.text  # no upstream URL in errors
    _assert_failed_log(gateway, response, 502)


def test_slow_provider_is_504_and_logged(gateway: Gateway) -> None:
    delay_ms = (UPSTREAM_TIMEOUT_S + 2) * 1000
    response = httpx.post(
        gateway.base("openai") + "/chat/completions",
        json=CHAT,
        headers={"x-fake-delay-ms": str(delay_ms)},
        timeout=30,
    )
    assert response.status_code == 504
    assert "did not answer within" in _envelope_error(response)
    _assert_failed_log(gateway, response, 504)


def test_non_json_body_is_proxied(gateway: Gateway) -> None:
    response = httpx.post(
        gateway.base("openai") + "/chat/completions",
        content=b"this is not json",
        headers={"content-type": "text/plain"},
    )
    assert response.status_code == 400  # the provider's own answer, passed through
    assert "error" in response.json()
    log = _assert_failed_log(gateway, response, 400)
    assert log["request_content_type"] == "text/plain"


def test_query_string_reaches_the_provider(gateway: Gateway, fake_upstream) -> None:  # type: ignore[no-untyped-def]
    httpx.post(gateway.base("openai") + "/chat/completions?trace=1&tag=a+b", json=CHAT)
    assert fake_upstream.requests()[-1]["path"].endswith("/chat/completions?trace=1&tag=a+b")


def test_other_accounts_token_gets_404_on_every_endpoint(
    gateway: Gateway, rival_token: str
) -> None:
    created = httpx.post(gateway.base("openai") + "/chat/completions", json=CHAT)
    log_id = created.headers["aig-log-id"]
    rival = cloudflare.Cloudflare(api_token=rival_token, base_url=gateway.url, max_retries=0)
    ids = {"account_id": gateway.account, "gateway_id": gateway.gateway}
    calls = [
        lambda: rival.ai_gateway.list(account_id=gateway.account),
        lambda: rival.ai_gateway.get(gateway.gateway, account_id=gateway.account),
        lambda: rival.ai_gateway.logs.list(**ids),
        lambda: rival.ai_gateway.logs.get(log_id, **ids),
        lambda: rival.ai_gateway.logs.request(log_id, **ids),
        lambda: rival.ai_gateway.logs.response(log_id, **ids),
    ]
    for call in calls:
        with pytest.raises(cloudflare.NotFoundError):
            call()
    own = rival.ai_gateway.logs.list(account_id="rival", gateway_id="default")
    assert log_id not in [log.id for log in own.result]


def _assert_failed_log(gateway: Gateway, response: httpx.Response, status: int) -> dict:  # type: ignore[type-arg]
    log_id = response.headers["aig-log-id"]
    log = httpx.get(
        f"{gateway.url}/accounts/{gateway.account}/ai-gateway/gateways/{gateway.gateway}"
        f"/logs/{log_id}",
        headers={"authorization": f"Bearer {gateway.token}"},
    ).json()["result"]
    assert log["success"] is False and log["status_code"] == status
    return log
