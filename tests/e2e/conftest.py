"""End-to-end fixtures: the real `make run` stack (moto server + the gateway, started by
`python -m infra.local`) in front of a fake provider process, all on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import cloudflare
import pytest

from tests.fakes.upstream import FakeUpstreamProcess
from tests.support.aig import Aig
from tests.support.gateway import Gateway, running_gateway


@pytest.fixture(scope="session")
def cf(gateway: Gateway) -> cloudflare.Cloudflare:
    """The official Cloudflare SDK, pointed at the gateway's management API."""
    return cloudflare.Cloudflare(api_token=gateway.token, base_url=gateway.url, max_retries=0)


@pytest.fixture(scope="session")
def fake_upstream() -> Iterator[FakeUpstreamProcess]:
    with FakeUpstreamProcess() as fake:
        yield fake


@pytest.fixture(scope="session")
def gateway(fake_upstream: FakeUpstreamProcess) -> Iterator[Gateway]:
    """The gateway with the direct log sink: each log is stored before its response."""
    direct = {"AIG_LOG_SINK": "direct", "AIG_LOCAL_POLLER": "0", "AIG_GATEWAY_CACHE_S": "0"}
    with running_gateway(fake_upstream, direct) as running:
        yield running


@pytest.fixture(scope="session")
def aig(gateway: Gateway) -> Aig:
    """The `aig` console script, with the gateway's base URL, token and account in its env."""
    return Aig(
        {"AIG_BASE_URL": gateway.url, "AIG_TOKEN": gateway.token, "AIG_ACCOUNT": gateway.account}
    )
