"""Gateway features over real HTTP: rate limits under many threads, fallback steps on the
universal endpoint, retries, and authenticated gateways (the official Cloudflare SDK reads
the logs back)."""

from __future__ import annotations

import json
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import cloudflare
import httpx
import openai
import pytest

from tests.fakes.upstream import FakeUpstreamProcess
from tests.support.gateway import Gateway

pytestmark = pytest.mark.e2e

CLIENT_KEY = "sk-e2e-features-client-key"
THREADS = 16
REQUESTS = 48
LIMIT = 10


@pytest.fixture(scope="module")
def rival_token(gateway: Gateway) -> str:
    """A token of another account of the same deployment."""
    store = gateway.accounts()
    store.create_account("features-rival", plan="free")
    return store.issue_token("features-rival", name="e2e").token


def _create(gateway: Gateway, gateway_id: str, **settings: Any) -> None:
    response = httpx.post(
        f"{gateway.url}/accounts/{gateway.account}/ai-gateway/gateways",
        headers={"authorization": f"Bearer {gateway.token}"},
        json={"id": gateway_id, **settings},
    )
    assert response.status_code == 200, response.text


def _chat(marker: str) -> dict[str, Any]:
    return {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": marker}]}


def _upstream_calls(fake: FakeUpstreamProcess, marker: str) -> list[dict[str, Any]]:
    return [r for r in fake.requests() if marker.encode() in r["body"]]


def _logs(cf: cloudflare.Cloudflare, gateway: Gateway, gateway_id: str, **filters: Any) -> list:  # type: ignore[type-arg]
    query = [{"key": k, "operator": "eq", "value": [v]} for k, v in filters.items()]
    response = httpx.get(
        f"{gateway.url}/accounts/{gateway.account}/ai-gateway/gateways/{gateway_id}/logs",
        params={"filters": json.dumps(query), "per_page": 50, "order_by_direction": "asc"},
        headers={"authorization": f"Bearer {gateway.token}"},
    )
    assert response.status_code == 200, response.text
    return response.json()["result"]


# rate limiting


@pytest.mark.parametrize("technique", ["fixed", "sliding"])
def test_rate_limit_is_exact_under_many_threads(
    gateway: Gateway, fake_upstream: FakeUpstreamProcess, cf: cloudflare.Cloudflare, technique: str
) -> None:
    gateway_id = f"limited-{technique}"
    interval = 3600 if technique == "fixed" else 60
    _create(
        gateway,
        gateway_id,
        rate_limiting_limit=LIMIT,
        rate_limiting_interval=interval,
        rate_limiting_technique=technique,
    )
    if technique == "fixed" and time.time() % interval > interval - 30:
        time.sleep(interval - time.time() % interval + 1)  # a clock-aligned window ends soon
    marker = f"limit {technique} {uuid.uuid4()}"
    url = f"{gateway.url}/v1/{gateway.account}/{gateway_id}/openai/chat/completions"

    def call(_: int) -> httpx.Response:
        return httpx.post(url, json=_chat(marker), timeout=30)

    with ThreadPoolExecutor(THREADS) as pool:
        responses = list(pool.map(call, range(REQUESTS)))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] * LIMIT + [429] * (REQUESTS - LIMIT)
    for response in responses:
        if response.status_code == 429:
            assert 1 <= int(response.headers["retry-after"]) <= interval
            assert response.json()["success"] is False
    assert len(_upstream_calls(fake_upstream, marker)) == LIMIT
    limited = _logs(cf, gateway, gateway_id, status_code=429)
    assert len(limited) == REQUESTS - LIMIT
    assert all(log["success"] is False for log in limited)


# universal endpoint: fallback


def _step(gateway: Gateway, marker: str, **headers: str) -> dict[str, Any]:
    return {
        "provider": "openai",
        "endpoint": "chat/completions",
        "headers": {"authorization": f"Bearer {CLIENT_KEY}", **headers},
        "query": _chat(marker),
    }


def test_fallback_after_a_500(
    gateway: Gateway, fake_upstream: FakeUpstreamProcess, cf: cloudflare.Cloudflare
) -> None:
    marker = f"fallback 500 {uuid.uuid4()}"
    steps = [
        _step(gateway, marker, **{"x-fake-status": "500"}),
        {
            "provider": "anthropic",
            "endpoint": "v1/messages",
            "headers": {"x-api-key": CLIENT_KEY, "anthropic-version": "2023-06-01"},
            "query": {**_chat(marker), "model": "claude-3-5-haiku-20241022", "max_tokens": 50},
        },
    ]
    response = httpx.post(f"{gateway.url}/v1/{gateway.account}/{gateway.gateway}", json=steps)
    assert response.status_code == 200 and response.headers["aig-step"] == "1"
    assert response.json()["content"][0]["text"] == f"echo: {marker}"
    calls = _upstream_calls(fake_upstream, marker)
    assert [c["path"].split("/")[1] for c in calls] == ["openai", "anthropic"]
    event_id = _logs(cf, gateway, gateway.gateway, id=response.headers["aig-log-id"])[0]["event_id"]
    logs = _logs(cf, gateway, gateway.gateway, event_id=event_id)
    assert [(log["step"], log["status_code"], log["provider"]) for log in logs] == [
        (0, 500, "openai"),
        (1, 200, "anthropic"),
    ]


def test_fallback_when_the_first_step_stalls(
    gateway: Gateway, fake_upstream: FakeUpstreamProcess, cf: cloudflare.Cloudflare
) -> None:
    marker = f"fallback stall {uuid.uuid4()}"
    stalled = {**_step(gateway, marker, **{"x-fake-delay-ms": "3000"}), "config": {}}
    stalled["config"] = {"requestTimeout": 300}
    event_id = f"ev-{uuid.uuid4()}"
    started = time.monotonic()
    response = httpx.post(
        f"{gateway.url}/v1/{gateway.account}/{gateway.gateway}",
        json=[stalled, _step(gateway, marker)],
        headers={"cf-aig-event-id": event_id},
        timeout=30,
    )
    assert time.monotonic() - started < 2.5
    assert response.status_code == 200 and response.headers["aig-step"] == "1"
    assert response.json()["choices"][0]["message"]["content"] == f"echo: {marker}"
    logs = _logs(cf, gateway, gateway.gateway, event_id=event_id)
    assert [(log["step"], log["status_code"]) for log in logs] == [(0, 504), (1, 200)]
    assert "0.3 s" in (logs[0]["error"] or "")


def test_bad_universal_body_is_400(gateway: Gateway) -> None:
    url = f"{gateway.url}/v1/{gateway.account}/{gateway.gateway}"
    for body in (b'"hello"', b"[]", b'[{"provider": "openai"}]', b"{not json"):
        response = httpx.post(url, content=body, headers={"content-type": "application/json"})
        assert response.status_code == 400, body
        assert response.json()["errors"][0]["message"]


# retries


def test_retries_recover_from_a_flaky_provider(
    gateway: Gateway, fake_upstream: FakeUpstreamProcess
) -> None:
    marker = f"retry {uuid.uuid4()}"
    oai = openai.OpenAI(base_url=gateway.base("openai"), api_key=CLIENT_KEY, max_retries=0)
    completion = oai.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": marker}],
        extra_headers={
            "x-fake-fail-times": "2",
            "x-fake-key": marker,
            "x-fake-fail-status": "503",
            "cf-aig-max-attempts": "3",
            "cf-aig-retry-delay": "50",
            "cf-aig-backoff": "exponential",
        },
    )
    assert completion.choices[0].message.content == f"echo: {marker}"
    assert len(_upstream_calls(fake_upstream, marker)) == 3


def test_bad_retry_header_is_400(gateway: Gateway) -> None:
    response = httpx.post(
        gateway.base("openai") + "/chat/completions",
        json=_chat("x"),
        headers={"aig-max-attempts": "10"},
    )
    assert response.status_code == 400
    assert "aig-max-attempts" in response.json()["errors"][0]["message"]


# authenticated gateways


def test_authenticated_gateway(
    gateway: Gateway,
    fake_upstream: FakeUpstreamProcess,
    cf: cloudflare.Cloudflare,
    rival_token: str,
) -> None:
    _create(gateway, "private", authentication=True)
    marker = f"auth {uuid.uuid4()}"
    url = f"{gateway.url}/v1/{gateway.account}/private/openai/chat/completions"
    refused = [
        {},
        {"cf-aig-authorization": "Bearer not-a-real-token"},
        {"cf-aig-authorization": f"Bearer {rival_token}"},
        {"authorization": f"Bearer {gateway.token}"},
    ]
    for headers in refused:
        response = httpx.post(url, json=_chat(marker), headers=headers)
        assert response.status_code == 401, headers
        assert gateway.token not in response.text and rival_token not in response.text
    assert _upstream_calls(fake_upstream, marker) == []
    assert _logs(cf, gateway, "private") == []

    oai = openai.OpenAI(
        base_url=f"{gateway.url}/v1/{gateway.account}/private/openai",
        api_key=CLIENT_KEY,
        max_retries=0,
        default_headers={"cf-aig-authorization": f"Bearer {gateway.token}"},
    )
    raw = oai.chat.completions.with_raw_response.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": marker}]
    )
    assert raw.parse().choices[0].message.content == f"echo: {marker}"
    (sent,) = _upstream_calls(fake_upstream, marker)
    assert not any("aig-authorization" in name for name in sent["headers"])

    log_id = raw.headers["aig-log-id"]
    log = cf.ai_gateway.logs.get(log_id, account_id=gateway.account, gateway_id="private")
    ids = {"account_id": gateway.account, "gateway_id": "private"}
    stored = json.dumps(log.model_dump(), default=str)
    stored += json.dumps(cf.ai_gateway.logs.request(log_id, **ids), default=str)
    stored += json.dumps(cf.ai_gateway.logs.response(log_id, **ids), default=str)
    assert gateway.token not in stored and CLIENT_KEY not in stored
