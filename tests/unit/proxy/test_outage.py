"""The wired proxy while AWS cannot be reached: its own clients (hot-path limits) fail as
an unreachable endpoint does, everything else (the test's checks) still works."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from unittest import mock

import httpx
import pytest
from botocore.exceptions import EndpointConnectionError
from chalice.test import Client

from app import app
from chalicelib import aws, wiring
from chalicelib.accounts.store import AccountStore
from chalicelib.logstore.reader import LogReader
from chalicelib.proxy.upstream import UpstreamClient
from chalicelib.settings import Settings
from tests.support.tenants import Tenant
from tests.unit.proxy.harness import CHAT_REQUEST, CHAT_RESPONSE

UNAVAILABLE = "gateway settings are unavailable: the control store cannot be reached; try again"


class Outage:
    """Makes the proxy's AWS calls of chosen services fail while they are `down`."""

    def __init__(self, settings: Settings) -> None:
        self.down: set[str] = set()
        self.refused: list[str] = []
        limits = wiring.hot_path_limits()
        clients = [aws.client(name, limits) for name in ("dynamodb", "sqs", "s3")]
        clients.append(aws.table(settings.control_table, limits).meta.client)
        clients.append(aws.table(settings.logs_table, limits).meta.client)
        for client in clients:
            client.meta.events.register("before-call", self._call)

    def _call(self, model: Any, **_: Any) -> None:
        service = model.service_model.service_id.hyphenize()
        if service in self.down:
            self.refused.append(f"{service} {model.name}")
            raise EndpointConnectionError(endpoint_url=f"https://{service}.invalid")


@pytest.fixture
def client(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Client]:
    """app.py over the wired proxy (queue sink, no gateway cache period), the provider
    answering every chat."""
    monkeypatch.setenv("AIG_LOG_SINK", "queue")
    monkeypatch.setenv("AIG_GATEWAY_CACHE_S", "0")  # every request asks (at most 1/s if failing)
    wiring.reset()
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=CHAT_RESPONSE))
    upstream = UpstreamClient(transport=transport)
    with mock.patch.object(wiring, "UpstreamClient", lambda: upstream):
        wiring.proxy_service()
    with Client(app, stage_name="local") as test_client:
        yield test_client


@pytest.fixture
def outage(settings: Settings, client: Client) -> Outage:
    return Outage(settings)


def _chat(client: Client, tenant: Tenant, gateway: str | None = None, **headers: str) -> Any:
    return client.http.post(
        f"/v1/{tenant.account_id}/{gateway or tenant.gateway_id}/openai/chat/completions",
        headers={"content-type": "application/json", **headers},
        body=json.dumps(CHAT_REQUEST),
    )


def test_a_seen_gateway_keeps_proxying_and_logging_through_the_queue(
    client: Client, outage: Outage, tenant: Tenant
) -> None:
    assert _chat(client, tenant).headers["aig-log-status"] == "queued"
    outage.down = {"dynamodb"}
    for _ in range(3):
        answer = _chat(client, tenant)
        assert answer.status_code == 200
        assert json.loads(answer.body) == CHAT_RESPONSE
        assert answer.headers["aig-log-status"] == "queued"  # SQS took it
        assert answer.headers["aig-log-id"]
    assert "dynamodb GetItem" in outage.refused  # the settings were served stale


def test_an_unseen_gateway_is_503_in_the_envelope(
    client: Client, outage: Outage, tenant: Tenant, accounts: AccountStore
) -> None:
    accounts.create_gateway(tenant.account_id, "unseen", {})
    outage.down = {"dynamodb"}
    answer = _chat(client, tenant, gateway="unseen")
    assert answer.status_code == 503
    assert json.loads(answer.body) == {
        "success": False,
        "errors": [{"code": 1008, "message": UNAVAILABLE}],
        "messages": [],
        "result": None,
    }
    compat = client.http.post(
        f"/v1/{tenant.account_id}/unseen/compat/chat/completions",
        headers={"content-type": "application/json"},
        body=json.dumps({**CHAT_REQUEST, "model": "openai/gpt-4o-mini"}),
    )
    assert compat.status_code == 503
    assert json.loads(compat.body)["error"]["message"] == UNAVAILABLE  # OpenAI's shape
    outage.down = set()
    assert _chat(client, tenant, gateway="unseen").status_code == 200


def test_when_the_queue_fails_the_log_is_stored_directly(
    client: Client, outage: Outage, tenant: Tenant, settings: Settings
) -> None:
    outage.down = {"sqs"}
    answer = _chat(client, tenant)
    assert answer.headers["aig-log-status"] == "stored"
    log_id = answer.headers["aig-log-id"]
    reader = LogReader(aws.table(settings.logs_table))
    assert reader.get(tenant.account_id, tenant.gateway_id, log_id, 16) is not None


def test_the_log_is_failed_only_when_no_store_takes_it(
    client: Client, outage: Outage, tenant: Tenant, settings: Settings
) -> None:
    _chat(client, tenant)
    outage.down = {"dynamodb", "sqs", "s3"}
    answer = _chat(client, tenant)
    assert answer.status_code == 200
    assert answer.headers["aig-log-status"] == "failed"
    assert "aig-log-id" not in answer.headers
    assert "sqs SendMessageBatch" in outage.refused
    assert "s3 PutObject" in outage.refused  # the direct fallback was tried (bodies first)


def test_the_rate_limiter_fails_open_and_is_left_alone_for_a_while(
    client: Client, outage: Outage, tenant: Tenant, accounts: AccountStore
) -> None:
    limits = {"rate_limiting_limit": 1, "rate_limiting_interval": 60}
    accounts.update_gateway(tenant.account_id, tenant.gateway_id, limits)
    assert _chat(client, tenant).status_code == 200
    assert _chat(client, tenant).status_code == 429
    outage.down = {"dynamodb"}
    for _ in range(3):
        assert _chat(client, tenant).status_code == 200
    limiter_calls = [call for call in outage.refused if call != "dynamodb GetItem"]
    assert limiter_calls == ["dynamodb UpdateItem"]  # then paused, not one per request


def test_a_verified_token_keeps_working_and_others_get_503(
    client: Client, outage: Outage, tenant: Tenant, accounts: AccountStore
) -> None:
    accounts.update_gateway(tenant.account_id, tenant.gateway_id, {"authentication": True})
    token = {"aig-authorization": f"Bearer {tenant.token}"}
    assert _chat(client, tenant, **token).status_code == 200
    outage.down = {"dynamodb"}
    assert _chat(client, tenant, **token).status_code == 200
    other = _chat(client, tenant, **{"aig-authorization": "Bearer another-token"})
    assert other.status_code == 503
    assert "control store cannot be reached" in json.loads(other.body)["errors"][0]["message"]


def test_a_failed_cache_lookup_is_a_miss_and_a_failed_store_is_skipped(
    client: Client, outage: Outage, tenant: Tenant, accounts: AccountStore
) -> None:
    accounts.update_gateway(tenant.account_id, tenant.gateway_id, {"cache_ttl": 60})
    outage.down = {"s3"}
    for _ in range(2):
        answer = _chat(client, tenant)
        assert answer.status_code == 200
        assert answer.headers["aig-cache-status"] == "MISS"
        assert answer.headers["aig-log-status"] == "queued"
    assert outage.refused == ["s3 GetObject", "s3 PutObject"] * 2
