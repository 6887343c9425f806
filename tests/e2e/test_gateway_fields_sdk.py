"""Every gateway parameter of the official Cloudflare SDK (5.9), through create, update
and get against the running gateway; and a gateway read back sent back as it is."""

from __future__ import annotations

from typing import Any

import cloudflare
import httpx
import pytest

from tests.support.gateway import Gateway

pytestmark = pytest.mark.e2e

ALL_PARAMS: dict[str, Any] = {
    "cache_invalidate_on_update": False,
    "cache_ttl": 60,
    "collect_logs": True,
    "rate_limiting_interval": 60,
    "rate_limiting_limit": 100,
    "authentication": False,
    "byok_only": True,
    "dlp": {
        "enabled": True,
        "policies": [
            {
                "id": "pii",
                "action": "BLOCK",
                "check": ["REQUEST", "RESPONSE"],
                "enabled": True,
                "profiles": ["credit-cards"],
            }
        ],
    },
    "guardrails": {"prompt": {"p1": "FLAG", "s13": "BLOCK"}, "response": {"s1": "BLOCK"}},
    "log_classification": True,
    "log_management": 1000,
    "log_management_strategy": "DELETE_OLDEST",
    "logpush": True,
    "logpush_public_key": "-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----",
    "otel": [
        {
            "url": "https://otel.example/v1/traces",
            "headers": {"x-team": "a"},
            "authorization": "Bearer otel",
            "content_type": "json",
        }
    ],
    "rate_limiting_technique": "sliding",
    "retry_backoff": "exponential",
    "retry_delay": 250,
    "retry_max_attempts": 3,
    "spend_limits": {
        "enabled": True,
        "rules": [
            {
                "limit": 12.5,
                "limit_type": "cost",
                "window": 86400,
                "id": "daily",
                "enabled": True,
                "metadata": {"user": {"mode": "partition"}},
                "model": {"mode": "filter", "values": ["gpt-4o"]},
                "provider": {"mode": "filter", "values": ["openai"]},
                "technique": "fixed",
            }
        ],
    },
    "store_id": "store-1",
    "stripe": {"authorization": "sk_test", "usage_events": [{"payload": "{}"}]},
    "workers_ai_billing_mode": "unified",
    "zdr": True,
}
"""Every keyword of `client.ai_gateway.create` but account_id and id (update takes the
same), in the SDK's own spelling (`p1`, `limit_type`)."""

CHANGED: dict[str, Any] = {
    **ALL_PARAMS,
    "byok_only": False,
    "dlp": {"action": "FLAG", "enabled": False, "profiles": ["ssn"]},
    "guardrails": {"prompt": {"s2": "FLAG"}, "response": {}},
    "otel": [],
    "spend_limits": {"enabled": False},
    "stripe": None,
    "workers_ai_billing_mode": "postpaid",
    "zdr": False,
}


def _echoed(answer: Any) -> dict[str, Any]:
    dumped = answer.model_dump(exclude_none=False)
    return {key: dumped[key] for key in ALL_PARAMS}


def _expected(params: dict[str, Any]) -> dict[str, Any]:
    """The params as the response model shows them (the optional keys it knows filled)."""
    expected = dict(params)
    guardrails = expected["guardrails"]
    codes = ["p1"] + [f"s{n}" for n in range(1, 14)]
    expected["guardrails"] = {
        part: {code: guardrails[part].get(code) for code in codes} for part in guardrails
    }
    if expected["spend_limits"] is not None:
        expected["spend_limits"] = {"enabled": None, "rules": None, **expected["spend_limits"]}
    return expected


def test_create_update_get_with_every_parameter(
    cf: cloudflare.Cloudflare, gateway: Gateway
) -> None:
    account = gateway.account
    created = cf.ai_gateway.create(account_id=account, id="every-field", **ALL_PARAMS)
    fetched = cf.ai_gateway.get("every-field", account_id=account)
    for answer in (created, fetched):
        assert _echoed(answer) == _expected(ALL_PARAMS)
    assert fetched.spend_limits is not None and fetched.spend_limits.rules is not None
    assert fetched.spend_limits.rules[0].limit == 12.5
    assert fetched.guardrails is not None and fetched.guardrails.prompt.p1 == "FLAG"

    updated = cf.ai_gateway.update("every-field", account_id=account, **CHANGED)
    fetched = cf.ai_gateway.get("every-field", account_id=account)
    for answer in (updated, fetched):
        assert _echoed(answer) == _expected(CHANGED)
    listed = [g for g in cf.ai_gateway.list(account_id=account) if g.id == "every-field"]
    assert _echoed(listed[0]) == _expected(CHANGED)


def test_a_gateway_read_back_is_accepted_back(gateway: Gateway) -> None:
    path = f"{gateway.url}/accounts/{gateway.account}/ai-gateway/gateways/{gateway.gateway}"
    auth = {"Authorization": f"Bearer {gateway.token}"}
    before = httpx.get(path, headers=auth).json()["result"]
    put = httpx.put(path, headers=auth, json=before)
    assert put.status_code == 200, put.text
    after = httpx.get(path, headers=auth).json()["result"]
    assert {k: v for k, v in after.items() if k != "modified_at"} == {
        k: v for k, v in before.items() if k != "modified_at"
    }
