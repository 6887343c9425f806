"""Gateway management with the official Cloudflare SDK against the running gateway."""

from __future__ import annotations

import cloudflare
import httpx
import pytest

from tests.factories import REQUIRED_GATEWAY_FIELDS
from tests.support.gateway import Gateway

pytestmark = pytest.mark.e2e


def _chat(gateway: Gateway, gateway_id: str) -> httpx.Response:
    return httpx.post(
        f"{gateway.url}/v1/{gateway.account}/{gateway_id}/openai/chat/completions",
        json={"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]},
    )


def test_gateway_lifecycle_with_the_sdk(cf: cloudflare.Cloudflare, gateway: Gateway) -> None:
    account = gateway.account
    created = cf.ai_gateway.create(
        account_id=account,
        id="sdk-gw",
        log_management=100,
        log_management_strategy="STOP_INSERTING",
        **REQUIRED_GATEWAY_FIELDS,
    )
    assert created.id == "sdk-gw" and created.log_management == 100
    assert "sdk-gw" in [g.id for g in cf.ai_gateway.list(account_id=account)]

    for _ in range(101):
        response = _chat(gateway, "sdk-gw")
        assert response.status_code == 200
    assert response.headers["aig-log-status"] == "dropped"
    fetched = cf.ai_gateway.get("sdk-gw", account_id=account)
    assert fetched.model_extra is not None
    assert fetched.model_extra["stored_logs"] == 100 and fetched.model_extra["dropped_logs"] == 1

    updated = cf.ai_gateway.update(
        "sdk-gw",
        account_id=account,
        **{**REQUIRED_GATEWAY_FIELDS, "collect_logs": False, "cache_ttl": 30},
    )
    assert updated.collect_logs is False and updated.cache_ttl == 30
    assert _chat(gateway, "sdk-gw").headers["aig-log-status"] == "skipped"

    with pytest.raises(cloudflare.BadRequestError, match="retry_max_attempts"):
        cf.ai_gateway.update(
            "sdk-gw", account_id=account, **REQUIRED_GATEWAY_FIELDS, retry_max_attempts=9
        )

    deleted = cf.ai_gateway.delete("sdk-gw", account_id=account)
    assert deleted.id == "sdk-gw"
    with pytest.raises(cloudflare.NotFoundError):
        cf.ai_gateway.get("sdk-gw", account_id=account)
    assert _chat(gateway, "sdk-gw").status_code == 404
