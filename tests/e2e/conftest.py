"""End-to-end fixtures: the real `make run` stack (moto server + chalice local, started by
`python -m infra.local`) in front of a fake provider process, all on loopback."""

from __future__ import annotations

import collections
import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import boto3
import cloudflare
import pytest

from chalicelib.accounts.store import AccountStore
from infra.local import READY_MARKER, REPO_ROOT, free_port
from tests.fakes.upstream import FakeUpstreamProcess

ADMIN_TOKEN = "e2e-admin-token"
UPSTREAM_TIMEOUT_S = 2
STARTUP_TIMEOUT_S = 90


@dataclass
class Gateway:
    """The running gateway and how to reach what is behind it."""

    url: str
    aws_endpoint: str
    token: str
    account: str
    gateway: str
    process: subprocess.Popen[str]
    output: collections.deque[str]

    def base(self, provider: str) -> str:
        return f"{self.url}/v1/{self.account}/{self.gateway}/{provider}"

    def accounts(self) -> AccountStore:
        """The deployment's control table, over the moto server (to seed other accounts)."""
        session = boto3.session.Session(
            region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
        )
        dynamodb = session.resource("dynamodb", endpoint_url=self.aws_endpoint)
        client = session.client("dynamodb", endpoint_url=self.aws_endpoint)
        return AccountStore(dynamodb.Table("aig-control"), client)


@pytest.fixture(scope="session")
def cf(gateway: Gateway) -> cloudflare.Cloudflare:
    """The official Cloudflare SDK, pointed at the gateway's management API."""
    return cloudflare.Cloudflare(api_token=gateway.token, base_url=gateway.url, max_retries=0)


@pytest.fixture(scope="session")
def fake_upstream() -> Iterator[FakeUpstreamProcess]:
    with FakeUpstreamProcess() as fake:
        yield fake


@contextlib.contextmanager
def running_gateway(fake: FakeUpstreamProcess, extra_env: dict[str, str]) -> Iterator[Gateway]:
    """`python -m infra.local` (what `make run` runs) on free ports, providers faked;
    stopped with SIGINT, as Ctrl-C stops `make run`, and checked to exit cleanly."""
    port, moto_port = free_port(), free_port()
    env = {
        **os.environ,
        "PORT": str(port),
        "AIG_MOTO_PORT": str(moto_port),
        "AIG_ADMIN_TOKEN": ADMIN_TOKEN,
        "AIG_UPSTREAM_TIMEOUT_S": str(UPSTREAM_TIMEOUT_S),
        "AIG_PROVIDER_URL_OPENAI": f"{fake.url}/openai/v1",
        "AIG_PROVIDER_URL_ANTHROPIC": f"{fake.url}/anthropic",
        "AIG_PROVIDER_URL_GOOGLE_AI_STUDIO": f"{fake.url}/google",
        "AIG_PROVIDER_URL_GROQ": f"{fake.url}/groq/openai/v1",
        "AIG_PROVIDER_URL_MISTRAL": f"http://127.0.0.1:{free_port()}",  # nothing listens
        "PYTHONUNBUFFERED": "1",
        **extra_env,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "infra.local"],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output: collections.deque[str] = collections.deque(maxlen=2000)
    ready = threading.Event()

    def drain() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            output.append(line)
            if line.startswith(READY_MARKER):
                ready.set()

    threading.Thread(target=drain, daemon=True).start()
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while not ready.wait(0.2):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail("gateway did not start:\n" + "".join(output))
    try:
        yield Gateway(
            url=f"http://127.0.0.1:{port}",
            aws_endpoint=f"http://127.0.0.1:{moto_port}",
            token=ADMIN_TOKEN,
            account="demo",
            gateway="default",
            process=process,
            output=output,
        )
    finally:
        process.send_signal(signal.SIGINT)
        try:
            code = process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            pytest.fail("make run's runner did not stop on Ctrl-C")
    assert code == 0, "".join(output)


@pytest.fixture(scope="session")
def gateway(fake_upstream: FakeUpstreamProcess) -> Iterator[Gateway]:
    """The gateway with the direct log sink: each log is stored before its response."""
    direct = {"AIG_LOG_SINK": "direct", "AIG_LOCAL_POLLER": "0", "AIG_GATEWAY_CACHE_S": "0"}
    with running_gateway(fake_upstream, direct) as running:
        yield running
