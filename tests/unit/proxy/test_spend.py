"""Spend and token limits on the proxy path (ProxyService over moto): reserve before the
provider, settle with the logged cost, 429 or a fallback model at the limit, on buffered
and streamed answers, errors and cache hits; AWS calls counted."""

from __future__ import annotations

import json
import time
from decimal import Decimal
from typing import Any

import httpx
import pytest

from chalicelib import aws
from chalicelib.accounts.store import AccountStore
from chalicelib.budget import compile_rules, spend_pk, usage
from chalicelib.settings import Settings
from tests.support.sse import chat_chunk
from tests.support.tenants import Tenant
from tests.unit.proxy.harness import CHAT_REQUEST, CHAT_RESPONSE, ProxyHarness

BOUNDED = {**CHAT_REQUEST, "max_tokens": 1000}
"""Reserves about $0.0006 (gpt-4o-mini); CHAT_RESPONSE costs $0.00045."""
ACTUAL = Decimal("0.00045")


@pytest.fixture
def proxy(settings: Settings, accounts: AccountStore) -> ProxyHarness:
    return ProxyHarness(settings, accounts)


def _limit(proxy: ProxyHarness, tenant: Tenant, **rule: Any) -> None:
    raw = {"limit": 0.001, "limitType": "cost", "window": 3600, **rule}
    proxy.configure(tenant, spend_limits={"enabled": True, "rules": [raw]})


def _send(proxy: ProxyHarness, tenant: Tenant, body: Any = BOUNDED, **headers: str) -> Any:
    return proxy.call(tenant, body=json.dumps(body).encode(), headers=headers)


def _usage(proxy: ProxyHarness, tenant: Tenant) -> list[dict[str, Any]]:
    gateway = proxy.accounts.get_gateway(tenant.account_id, tenant.gateway_id)
    assert gateway is not None
    rules = compile_rules(gateway.spend_limits)
    pk = spend_pk(tenant.account_id, tenant.gateway_id)
    return usage(aws.client("dynamodb"), proxy.settings.control_table, pk, rules, time.time())[0][
        "buckets"
    ]


def test_at_the_limit_the_answer_is_429_and_the_provider_is_not_called(
    proxy: ProxyHarness, tenant: Tenant
) -> None:
    _limit(proxy, tenant, id="hourly")
    first = _send(proxy, tenant)
    assert first.status == 200
    assert proxy.log(tenant, first).cost == ACTUAL
    (bucket,) = _usage(proxy, tenant)
    assert Decimal(str(bucket["spent"])) == ACTUAL and bucket["reserved"] == 0
    refused = _send(proxy, tenant)
    assert refused.status == 429 and len(proxy.sent) == 1
    message = json.loads(refused.body)["errors"][0]["message"]
    assert "spend limit 'hourly' of gateway" in message and "0.001 USD per 3600 s" in message
    assert int(refused.headers["Retry-After"]) >= 1
    logged = proxy.log(tenant, refused)
    assert logged.status_code == 429 and logged.error == message


def test_a_limit_adds_one_write_to_reserve_and_one_to_settle(
    proxy: ProxyHarness, tenant: Tenant
) -> None:
    _send(proxy, tenant)
    proxy.aws_calls.clear()
    _send(proxy, tenant)
    without = list(proxy.aws_calls)
    _limit(proxy, tenant, limit=1)
    _send(proxy, tenant)
    proxy.aws_calls.clear()
    _send(proxy, tenant)
    assert sorted(proxy.aws_calls) == sorted([*without, "UpdateItem", "UpdateItem"])


def test_per_user_budgets_are_isolated(proxy: ProxyHarness, tenant: Tenant) -> None:
    _limit(proxy, tenant, metadata={"user_id": {"mode": "partition"}})
    alice = json.dumps({"user_id": "alice"})
    assert _send(proxy, tenant, **{"aig-metadata": alice}).status == 200
    assert _send(proxy, tenant, **{"aig-metadata": alice}).status == 429
    assert _send(proxy, tenant, **{"aig-metadata": json.dumps({"user_id": "bob"})}).status == 200
    scopes = sorted(b["scope"]["metadata.user_id"] for b in _usage(proxy, tenant))
    assert scopes == ["alice", "bob"]


def test_cache_hits_spend_nothing(proxy: ProxyHarness, tenant: Tenant) -> None:
    _limit(proxy, tenant)
    assert _send(proxy, tenant, **{"aig-cache-ttl": "60"}).status == 200
    hit = _send(proxy, tenant, **{"aig-cache-ttl": "60"})
    assert hit.status == 200 and hit.headers["aig-cache-status"] == "HIT"
    assert Decimal(str(_usage(proxy, tenant)[0]["spent"])) == ACTUAL


def test_failed_attempts_give_the_reservation_back(proxy: ProxyHarness, tenant: Tenant) -> None:
    _limit(proxy, tenant)
    proxy.handler = lambda request: httpx.Response(500, json={"error": {}})
    assert _send(proxy, tenant, **{"aig-max-attempts": "3"}).status == 500
    (bucket,) = _usage(proxy, tenant)
    assert bucket["spent"] == 0 and bucket["reserved"] == 0


def test_a_streamed_answer_is_settled_when_it_ends(proxy: ProxyHarness, tenant: Tenant) -> None:
    _limit(proxy, tenant)
    usage_event = {"id": "c", "object": "chat.completion.chunk", "model": "gpt-4o-mini"}
    usage_event |= {"choices": [], "usage": {"prompt_tokens": 1000, "completion_tokens": 500}}
    events = [chat_chunk("hi"), b"data: " + json.dumps(usage_event).encode() + b"\n\n"]
    proxy.handler = lambda request: httpx.Response(
        200, headers={"content-type": "text/event-stream"}, content=iter(events)
    )
    response = _send(proxy, tenant, body={**BOUNDED, "stream": True})
    assert _usage(proxy, tenant)[0]["reserved"] > 0  # until the relay ends
    response.read()
    (bucket,) = _usage(proxy, tenant)
    assert Decimal(str(bucket["spent"])) == ACTUAL and bucket["reserved"] == 0


def test_a_fallback_model_answers_at_the_limit(proxy: ProxyHarness, tenant: Tenant) -> None:
    _limit(
        proxy,
        tenant,
        limit=0,
        model={"mode": "filter", "values": ["gpt-4o"]},
        fallback_model="gpt-4o-mini",
    )
    response = _send(proxy, tenant, body={**BOUNDED, "model": "gpt-4o"})
    assert response.status == 200
    assert json.loads(proxy.sent[-1].content)["model"] == "gpt-4o-mini"


def test_token_rate_limits(proxy: ProxyHarness, tenant: Tenant) -> None:
    _limit(proxy, tenant, limitType="tokens", limit=2500, window=60, technique="sliding")
    assert _send(proxy, tenant).status == 200  # 1,500 tokens used
    refused = _send(proxy, tenant)  # may use 1,000 + its ~90 bytes: over 2,500
    assert refused.status == 429
    assert "token rate limit" in json.loads(refused.body)["errors"][0]["message"]
    (bucket,) = _usage(proxy, tenant)
    assert bucket["spent"] == CHAT_RESPONSE["usage"]["total_tokens"]


def test_a_request_that_may_cost_more_than_the_limit_says_so(
    proxy: ProxyHarness, tenant: Tenant
) -> None:
    _limit(proxy, tenant, limitType="tokens", limit=500, window=60)
    refused = _send(proxy, tenant)
    assert (
        refused.status == 429
        and "lower max_tokens" in json.loads(refused.body)["errors"][0]["message"]
    )
    assert proxy.sent == []
