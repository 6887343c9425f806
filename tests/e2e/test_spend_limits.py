"""Spend limits end to end: the Cloudflare SDK sets `spend_limits` and reads the usage, the
OpenAI SDK meets the 429 at the limit, per-user budgets are apart, and another account
can neither read nor change them."""

from __future__ import annotations

import json
from typing import Any

import cloudflare
import openai
import pytest

from tests.support.gateway import Gateway, create_with_sdk

COST = json.dumps({"per_token_in": 0, "per_token_out": 0.01})
"""The fake answers "echo: hello there" (3 tokens: $0.03); max_tokens 5 reserves $0.05."""
RULE = {"limit": 0.1, "limit_type": "cost", "window": 3600, "id": "hourly"}


@pytest.fixture(scope="module")
def rival(gateway: Gateway) -> cloudflare.Cloudflare:
    store = gateway.accounts()
    store.create_account("spend-rival", plan="free")
    token = store.issue_token("spend-rival", name="e2e").token
    return cloudflare.Cloudflare(api_token=token, base_url=gateway.url, max_retries=0)


def _client(gateway: Gateway, gateway_id: str, user: str) -> openai.OpenAI:
    return openai.OpenAI(
        api_key="sk-test",
        base_url=f"{gateway.url}/v1/{gateway.account}/{gateway_id}/openai",
        max_retries=0,
        default_headers={"aig-custom-cost": COST, "aig-metadata": json.dumps({"user_id": user})},
    )


def _ask(client: openai.OpenAI) -> Any:
    return client.chat.completions.create(
        model="gpt-4o-mini", max_tokens=5, messages=[{"role": "user", "content": "hello there"}]
    )


def test_limits_through_the_sdks(
    cf: cloudflare.Cloudflare, gateway: Gateway, rival: cloudflare.Cloudflare
) -> None:
    account = gateway.account
    per_user = {**RULE, "metadata": {"user_id": {"mode": "partition"}}}
    create_with_sdk(cf, account, "spend-e2e", spend_limits={"enabled": True, "rules": [per_user]})
    alice = _client(gateway, "spend-e2e", "alice")
    assert _ask(alice).choices[0].message.content == "echo: hello there"
    _ask(alice)  # $0.06 spent: the next may cost $0.05 more than the $0.10 left
    with pytest.raises(openai.RateLimitError) as refused:
        _ask(alice)
    message = refused.value.response.json()["errors"][0]["message"]
    assert "spend limit 'hourly' of gateway spend-e2e, metadata.user_id=alice reached" in message
    assert _ask(_client(gateway, "spend-e2e", "bob")).choices[0].message.content

    fetched = cf.ai_gateway.get("spend-e2e", account_id=account)
    assert fetched.spend_limits is not None and fetched.spend_limits.rules is not None
    assert fetched.spend_limits.rules[0].limit == 0.1
    (usage,) = (fetched.model_extra or {})["spend_usage"]
    spent = {b["scope"]["metadata.user_id"]: b["spent"] for b in usage["buckets"]}
    assert spent == {"alice": pytest.approx(0.06), "bob": pytest.approx(0.03)}
    assert all(b["reserved"] == 0 for b in usage["buckets"])

    cf.ai_gateway.update(  # a raised limit keeps the counts (the rule keeps its id)
        "spend-e2e",
        account_id=account,
        cache_invalidate_on_update=False,
        cache_ttl=0,
        collect_logs=True,
        rate_limiting_interval=0,
        rate_limiting_limit=0,
        spend_limits={"enabled": True, "rules": [{**per_user, "limit": 0.2}]},  # type: ignore[list-item]
    )
    _ask(alice)

    with pytest.raises(cloudflare.NotFoundError):
        rival.ai_gateway.get("spend-e2e", account_id=account)
    with pytest.raises((cloudflare.NotFoundError, cloudflare.PermissionDeniedError)):
        rival.ai_gateway.update(
            "spend-e2e",
            account_id=account,
            cache_invalidate_on_update=False,
            cache_ttl=0,
            collect_logs=True,
            rate_limiting_interval=0,
            rate_limiting_limit=0,
            spend_limits=None,
        )
    after = (cf.ai_gateway.get("spend-e2e", account_id=account).model_extra or {})["spend_usage"]
    spent = {b["scope"]["metadata.user_id"]: b["spent"] for b in after[0]["buckets"]}
    assert spent["alice"] == pytest.approx(0.09) and after[0]["limit"] == 0.2
