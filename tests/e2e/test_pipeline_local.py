"""`make run` as shipped: logs go through the queue and the local poller thread."""

from __future__ import annotations

import time
from collections.abc import Iterator

import cloudflare
import openai
import pytest

from tests.fakes.upstream import FakeUpstreamProcess, count_tokens
from tests.support.gateway import Gateway, running_gateway

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def queued_gateway(fake_upstream: FakeUpstreamProcess) -> Iterator[Gateway]:
    with running_gateway(fake_upstream, {}) as running:  # the runner's own defaults
        yield running


def _wait_for(cf: cloudflare.Cloudflare, gateway: Gateway, log_id: str, timeout: float = 10.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while True:
        try:
            return cf.ai_gateway.logs.get(
                log_id, account_id=gateway.account, gateway_id=gateway.gateway
            ), time.monotonic() - (deadline - timeout)
        except cloudflare.NotFoundError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def test_logs_arrive_through_the_queue(queued_gateway: Gateway) -> None:
    client = openai.OpenAI(
        base_url=queued_gateway.base("openai"), api_key="sk-queue", max_retries=0
    )
    cf = cloudflare.Cloudflare(
        api_token=queued_gateway.token, base_url=queued_gateway.url, max_retries=0
    )
    ids = []
    for index in range(5):
        raw = client.chat.completions.with_raw_response.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": f"queued call {index}"}]
        )
        assert raw.headers["aig-log-status"] == "queued"
        ids.append(raw.headers["aig-log-id"])
    log, waited = _wait_for(cf, queued_gateway, ids[-1])
    assert waited < 5, "local logs should appear within about a second"
    assert log.tokens_in == count_tokens("queued call 4")
    body = cf.ai_gateway.logs.request(
        ids[0], account_id=queued_gateway.account, gateway_id=queued_gateway.gateway
    )
    assert body["messages"][0]["content"] == "queued call 0"  # type: ignore[index]
    for log_id in ids:
        _wait_for(cf, queued_gateway, log_id)
    stats = cf.ai_gateway.get(queued_gateway.gateway, account_id=queued_gateway.account)
    assert stats.model_extra is not None and stats.model_extra["stored_logs"] == 5
