"""A control-store outage mid-traffic under `make run`: the moto server (DynamoDB, SQS, S3)
is paused with SIGSTOP, so calls to it hang as they do against an unreachable endpoint,
then resumed with SIGCONT. (Killing it would make `make run`'s supervisor stop everything.)

Short windows keep the wall time bounded: settings fresh for 1 s, served stale for 60 s,
each AWS call of the proxy bounded by a 1 s timeout and one attempt.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.fakes.upstream import FakeUpstreamProcess
from tests.support.gateway import Gateway, running_gateway

pytestmark = pytest.mark.e2e

CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}
OUTAGE_ENV = {
    "AIG_GATEWAY_CACHE_S": "1",
    "AIG_GATEWAY_STALE_IF_ERROR_S": "60",
    "AIG_HOT_PATH_AWS_TIMEOUT_S": "1",
    "AIG_HOT_PATH_AWS_ATTEMPTS": "1",
}
UNAVAILABLE = "gateway settings are unavailable: the control store cannot be reached; try again"
RECOVERY_S = 30.0


@pytest.fixture(scope="module")
def stack(fake_upstream: FakeUpstreamProcess) -> Iterator[Gateway]:
    with running_gateway(fake_upstream, OUTAGE_ENV) as running:
        yield running


def moto_pid(gateway: Gateway) -> int:
    """The pid of the gateway's moto server: the runner's child serving its port."""
    port = gateway.aws_endpoint.rsplit(":", 1)[1].encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            args = (entry / "cmdline").read_bytes().split(b"\0")
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if parent == gateway.process.pid and b"infra.moto_server" in args and port in args:
            return int(entry.name)
    raise AssertionError(f"no moto server child of {gateway.process.pid} on port {port!r}")


def _chat(client: httpx.Client, gateway: Gateway, gateway_id: str) -> httpx.Response:
    url = f"{gateway.url}/v1/{gateway.account}/{gateway_id}/openai/chat/completions"
    return client.post(url, json=CHAT)


def test_a_paused_control_store_serves_known_gateways_and_503s_others(stack: Gateway) -> None:
    stack.accounts().create_gateway(stack.account, "unseen", {})
    client = httpx.Client(timeout=30)
    before = _chat(client, stack, stack.gateway)
    assert (before.status_code, before.headers["aig-log-status"]) == (200, "queued")

    moto = moto_pid(stack)
    os.kill(moto, signal.SIGSTOP)
    try:
        time.sleep(1.5)  # the settings are past their fresh period
        for _ in range(3):
            started = time.monotonic()
            answer = _chat(client, stack, stack.gateway)
            assert answer.status_code == 200, answer.text
            assert answer.json()["choices"][0]["message"]["content"]
            # neither the queue nor the direct write could take the log, and it says so
            assert answer.headers["aig-log-status"] == "failed"
            assert "aig-log-id" not in answer.headers
            assert time.monotonic() - started < 10  # bounded calls, not botocore's minutes
        unseen = _chat(client, stack, "unseen")
        assert unseen.status_code == 503
        assert unseen.json() == {
            "success": False,
            "errors": [{"code": 1008, "message": UNAVAILABLE}],
            "messages": [],
            "result": None,
        }
    finally:
        os.kill(moto, signal.SIGCONT)

    deadline = time.monotonic() + RECOVERY_S
    while True:
        known, unseen = _chat(client, stack, stack.gateway), _chat(client, stack, "unseen")
        statuses = (known.status_code, known.headers.get("aig-log-status"), unseen.status_code)
        if statuses == (200, "queued", 200) or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert statuses == (200, "queued", 200)
    log_url = (
        f"{stack.url}/accounts/{stack.account}/ai-gateway/gateways/{stack.gateway}/logs/"
        + known.headers["aig-log-id"]
    )
    auth = {"authorization": f"Bearer {stack.token}"}
    while client.get(log_url, headers=auth).status_code != 200:  # the pipeline drains again
        assert time.monotonic() < deadline + RECOVERY_S, "the log pipeline did not recover"
        time.sleep(0.5)
