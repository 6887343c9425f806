"""The real `make run` stack (`python -m infra.local`: moto server + the gateway) for the
end-to-end tests, in front of a fake provider process, all on loopback."""

from __future__ import annotations

import collections
import contextlib
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import cloudflare
import httpx
import pytest

from chalicelib.accounts.store import AccountStore
from infra.local import free_port
from tests.fakes.local_run import LocalRunError, start_local_run
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


@contextlib.contextmanager
def running_gateway(fake: FakeUpstreamProcess, extra_env: dict[str, str]) -> Iterator[Gateway]:
    """`python -m infra.local` (what `make run` runs) on free ports, providers faked;
    stopped with SIGINT, as Ctrl-C stops `make run`, and checked to exit cleanly."""
    env = {
        "AIG_ADMIN_TOKEN": ADMIN_TOKEN,
        "AIG_UPSTREAM_TIMEOUT_S": str(UPSTREAM_TIMEOUT_S),
        "AIG_PROVIDER_URL_OPENAI": f"{fake.url}/openai/v1",
        "AIG_PROVIDER_URL_ANTHROPIC": f"{fake.url}/anthropic",
        "AIG_PROVIDER_URL_GOOGLE_AI_STUDIO": f"{fake.url}/google",
        "AIG_PROVIDER_URL_GROQ": f"{fake.url}/groq/openai/v1",
        "AIG_PROVIDER_URL_MISTRAL": f"http://127.0.0.1:{free_port()}",  # nothing listens
        **extra_env,
    }
    try:
        run = start_local_run(env, STARTUP_TIMEOUT_S)
    except LocalRunError as exc:
        pytest.fail(str(exc))
    try:
        yield Gateway(
            url=run.url,
            aws_endpoint=run.aws_endpoint,
            token=ADMIN_TOKEN,
            account="demo",
            gateway="default",
            process=run.process,
            output=run.output,
        )
    finally:
        try:
            code = run.stop()
        except LocalRunError as exc:
            pytest.fail(str(exc))
    assert code == 0, "".join(run.output)


def chat(gateway: Gateway, gateway_id: str, model: str, **extra: Any) -> httpx.Response:
    """An OpenAI chat completion ("hello cli") through the gateway, read whole; its log is
    stored (the e2e gateway's direct log sink) before the answer."""
    headers = {"authorization": "Bearer sk-cli", **extra.pop("headers", {})}
    body = {"model": model, "messages": [{"role": "user", "content": "hello cli"}], **extra}
    url = f"{gateway.url}/v1/{gateway.account}/{gateway_id}/openai/chat/completions"
    return httpx.post(url, json=body, headers=headers, timeout=10)


def create_gateway(gateway: Gateway, gateway_id: str) -> None:
    """A new gateway of the account, with the default settings."""
    url = f"{gateway.url}/accounts/{gateway.account}/ai-gateway/gateways"
    headers = {"authorization": f"Bearer {gateway.token}"}
    answer = httpx.post(url, json={"id": gateway_id}, headers=headers, timeout=10)
    assert answer.status_code == 200, answer.text


def create_with_sdk(
    cf: cloudflare.Cloudflare, account_id: str, gateway_id: str, **more: Any
) -> None:
    """A gateway created through the Cloudflare SDK, which requires these settings: logs
    collected, no cache, no rate limit (`more` adds others, e.g. spend_limits)."""
    cf.ai_gateway.create(
        account_id=account_id,
        id=gateway_id,
        cache_invalidate_on_update=False,
        cache_ttl=0,
        collect_logs=True,
        rate_limiting_interval=0,
        rate_limiting_limit=0,
        **more,
    )
