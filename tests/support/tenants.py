"""Tenants (an account, a gateway, a token) and the Chalice test client of app.py."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx
from chalice.test import Client

from app import app
from chalicelib import wiring
from chalicelib.accounts.store import AccountStore
from chalicelib.logstore.sink import DirectLogSink
from chalicelib.proxy.service import ProxyService
from chalicelib.proxy.upstream import UpstreamClient


@dataclass
class Tenant:
    """An account with one gateway and an API token."""

    account_id: str
    gateway_id: str
    token: str


def make_tenant(accounts: AccountStore, account_id: str, gateway_id: str = "main") -> Tenant:
    """Create an account with one gateway and a token."""
    accounts.create_account(account_id, plan="paid")
    accounts.create_gateway(account_id, gateway_id, {})
    token = accounts.issue_token(account_id, name="test").token
    return Tenant(account_id, gateway_id, token)


@contextlib.contextmanager
def app_client(provider: Callable[[httpx.Request], httpx.Response]) -> Iterator[Client]:
    """Chalice's test client for app.py, its proxy calling `provider` instead of the network."""
    service = ProxyService(
        wiring.accounts(),
        DirectLogSink(wiring.log_admission()),
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
