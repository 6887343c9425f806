"""The response cache over real HTTP: byte-identical hits that skip the provider, kept in S3
across a restart of the gateway process (the moto server, i.e. AWS, keeps running)."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import httpx
import pytest

from chalicelib.accounts.store import AccountStore
from infra.local import (
    DUMMY_CREDENTIALS,
    LOCAL_DEFAULTS,
    REGION,
    Child,
    free_port,
    gateway_env,
    start_chalice_local,
)
from tests.fakes.upstream import FakeUpstreamProcess
from tests.support.moto import deployed_moto_server

pytestmark = pytest.mark.e2e

ACCOUNT, GATEWAY = "cachers", "cached"
TOKEN = "e2e-cache-admin-token"


@dataclass
class Stack:
    """AWS (moto server) and the environment a gateway process needs to use it."""

    env: dict[str, str]
    store: AccountStore

    @contextlib.contextmanager
    def gateway(self) -> Iterator[str]:
        """A gateway process (`chalice local`) on a free port; its base URL."""
        port = free_port()
        child: Child = start_chalice_local(port, self.env)
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            child.stop()


@pytest.fixture(scope="module")
def stack(fake_upstream: FakeUpstreamProcess) -> Iterator[Stack]:
    with deployed_moto_server() as server:
        endpoint, outputs = server.endpoint, server.outputs
        env = {
            **LOCAL_DEFAULTS,
            **os.environ,
            **gateway_env(endpoint, outputs),
            "AIG_LOG_SINK": "direct",
            "AIG_LOCAL_POLLER": "0",
            "AIG_GATEWAY_CACHE_S": "0",
            "AIG_PROVIDER_URL_OPENAI": f"{fake_upstream.url}/openai/v1",
            "AIG_PROVIDER_URL_ANTHROPIC": f"{fake_upstream.url}/anthropic",
        }
        session = boto3.session.Session(region_name=REGION, **DUMMY_CREDENTIALS)
        store = AccountStore(
            session.resource("dynamodb", endpoint_url=endpoint).Table(outputs["ControlTableName"]),
            session.client("dynamodb", endpoint_url=endpoint),
        )
        store.create_account(ACCOUNT, plan="paid")
        store.create_gateway(ACCOUNT, GATEWAY, {"cache_ttl": 300})
        store.issue_token(ACCOUNT, "e2e", token=TOKEN)
        yield Stack(env, store)


def _chat(url: str, marker: str, stream: bool = False, **headers: str) -> httpx.Response:
    body: dict[str, Any] = {
        "model": "gpt-4o-mini",
        "messages": [{"role": "user", "content": marker}],
        "stream": stream,
    }
    if stream:
        body["stream_options"] = {"include_usage": True}
    return httpx.post(
        f"{url}/v1/{ACCOUNT}/{GATEWAY}/openai/chat/completions",
        json=body,
        headers={"authorization": "Bearer sk-cache-client", **headers},
        timeout=30,
    )


def _calls(fake: FakeUpstreamProcess, marker: str) -> int:
    return sum(1 for r in fake.requests() if marker.encode() in r["body"])


def _log(url: str, log_id: str) -> dict[str, Any]:
    response = httpx.get(
        f"{url}/accounts/{ACCOUNT}/ai-gateway/gateways/{GATEWAY}/logs/{log_id}",
        headers={"authorization": f"Bearer {TOKEN}"},
    )
    assert response.status_code == 200, response.text
    return response.json()["result"]


@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
def test_a_hit_is_byte_identical_and_survives_a_restart(
    stack: Stack, fake_upstream: FakeUpstreamProcess, stream: bool
) -> None:
    marker = f"cache me {uuid.uuid4()}"
    with stack.gateway() as url:
        miss = _chat(url, marker, stream)
        hit = _chat(url, marker, stream, authorization="Bearer sk-another-client")
        assert miss.status_code == hit.status_code == 200
        assert (miss.headers["aig-cache-status"], hit.headers["aig-cache-status"]) == (
            "MISS",
            "HIT",
        )
        assert hit.content == miss.content
        assert hit.headers["content-type"] == miss.headers["content-type"]
        assert _calls(fake_upstream, marker) == 1
        logged = _log(url, hit.headers["aig-log-id"])
        assert logged["cached"] is True and logged["cost"] == 0
        assert logged["tokens_out"] == _log(url, miss.headers["aig-log-id"])["tokens_out"]
        assert logged["tokens_out"] is not None
    with stack.gateway() as url:  # a new process: nothing in memory
        again = _chat(url, marker, stream)
        assert again.headers["aig-cache-status"] == "HIT" and again.content == miss.content
    assert _calls(fake_upstream, marker) == 1


def test_skip_cache_and_invalidation_on_update(
    stack: Stack, fake_upstream: FakeUpstreamProcess
) -> None:
    marker = f"cache control {uuid.uuid4()}"
    with stack.gateway() as url:
        _chat(url, marker)
        skipped = _chat(url, marker, **{"cf-aig-skip-cache": "true"})
        assert "aig-cache-status" not in skipped.headers
        assert _calls(fake_upstream, marker) == 2
        assert _chat(url, marker).headers["aig-cache-status"] == "HIT"

        path = f"{url}/accounts/{ACCOUNT}/ai-gateway/gateways/{GATEWAY}"
        auth = {"authorization": f"Bearer {TOKEN}"}
        updated = httpx.put(path, json={"cache_invalidate_on_update": True}, headers=auth)
        assert updated.status_code == 200 and "cache_generation" not in updated.json()["result"]
        assert _chat(url, marker).headers["aig-cache-status"] == "MISS"
        assert _chat(url, marker).headers["aig-cache-status"] == "HIT"
        assert _calls(fake_upstream, marker) == 3
