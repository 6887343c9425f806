"""Unit-test fixtures: moto in-process with the resources of infra/template.yaml."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx
import pytest
from chalice.test import Client
from moto import mock_aws

from app import app
from chalicelib import aws, wiring
from chalicelib.accounts.store import AccountStore
from chalicelib.logstore.bodies import S3BodyStore
from chalicelib.logstore.sink import DirectLogSink
from chalicelib.proxy.service import ProxyService
from chalicelib.proxy.upstream import UpstreamClient
from chalicelib.settings import Settings
from infra.local import OUTPUT_ENV, deploy_stack


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """Fresh moto backend with the stack deployed; env points the app at it."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        aws.reset()
        wiring.reset()
        outputs = deploy_stack(None)
        for key, name in OUTPUT_ENV.items():
            monkeypatch.setenv(name, outputs[key])
        yield Settings.from_env()
        aws.reset()
        wiring.reset()


@dataclass
class Tenant:
    """An account with one gateway and an API token."""

    account_id: str
    gateway_id: str
    token: str


@pytest.fixture
def accounts(settings: Settings) -> AccountStore:
    return AccountStore(aws.table(settings.control_table), aws.client("dynamodb"))


@pytest.fixture
def bodies(settings: Settings) -> S3BodyStore:
    return S3BodyStore(aws.client("s3"), settings.bodies_bucket)


def make_tenant(accounts: AccountStore, account_id: str, gateway_id: str = "main") -> Tenant:
    """Create an account with one gateway and a token."""
    accounts.create_account(account_id, plan="paid")
    accounts.create_gateway(account_id, gateway_id, {})
    token = accounts.issue_token(account_id, name="test").token
    return Tenant(account_id, gateway_id, token)


@pytest.fixture
def tenant(accounts: AccountStore) -> Tenant:
    return make_tenant(accounts, "acme")


@pytest.fixture
def other_tenant(accounts: AccountStore) -> Tenant:
    return make_tenant(accounts, "globex")


@contextlib.contextmanager
def app_client(provider: Callable[[httpx.Request], httpx.Response]) -> Iterator[Client]:
    """Chalice's test client for app.py, its proxy calling `provider` instead of the network."""
    service = ProxyService(
        wiring.accounts(),
        DirectLogSink(wiring.log_writer()),
        UpstreamClient(transport=httpx.MockTransport(provider)),
        upstream_timeout_s=5,
    )
    original = wiring.proxy_service
    wiring.proxy_service = lambda: service  # type: ignore[assignment]
    try:
        with Client(app, stage_name="local") as test_client:
            yield test_client
    finally:
        wiring.proxy_service = original  # type: ignore[assignment]
