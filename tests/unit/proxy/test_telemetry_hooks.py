"""What a proxied request tells operations (chalicelib.telemetry): one structured line
with its log id and provider, and the counts of requests, upstream errors and cache hits."""

from __future__ import annotations

import io
import json

import httpx
import pytest

from chalicelib import telemetry
from chalicelib.accounts.store import AccountStore
from chalicelib.settings import Settings
from tests.support.tenants import Tenant
from tests.support.xray import RecordingXRay
from tests.unit.proxy.harness import CLIENT_KEY, ProxyHarness


@pytest.fixture
def harness(settings: Settings, accounts: AccountStore) -> ProxyHarness:
    return ProxyHarness(settings, accounts)


@pytest.fixture
def lines(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> io.StringIO:
    monkeypatch.delenv("POWERTOOLS_METRICS_DISABLED", raising=False)
    telemetry.flush()  # what earlier tests counted is not this test's
    capsys.readouterr()
    written = io.StringIO()
    monkeypatch.setattr(telemetry.logger.registered_handler, "stream", written)
    return written


def _emf(out: str) -> list[dict[str, float]]:
    """Each published metric set: its counts by name."""
    published = [json.loads(line) for line in out.splitlines() if '"_aws"' in line]
    return [
        {m["Name"]: sum(emf[m["Name"]]) for m in emf["_aws"]["CloudWatchMetrics"][0]["Metrics"]}
        for emf in published
    ]


def test_a_request_is_counted_and_said_with_its_log_id(
    harness: ProxyHarness,
    tenant: Tenant,
    lines: io.StringIO,
    capsys: pytest.CaptureFixture[str],
) -> None:
    response = harness.call(tenant)
    harness.handler = lambda request: httpx.Response(503, json={"error": "overloaded"})
    harness.call(tenant, headers={"cf-aig-max-attempts": "1"})
    said = [json.loads(line) for line in lines.getvalue().splitlines()]
    first = said[0]
    assert first["message"] == "proxied" and first["provider"] == "openai"
    assert first["status"] == 200 and first["log_id"] == response.headers["aig-log-id"]
    assert said[-1]["status"] == 503
    assert CLIENT_KEY not in lines.getvalue()
    ok, failed = _emf(capsys.readouterr().out)  # one metric set per request, published at once
    assert ok == {"ProxiedRequests": 1}
    assert failed == {"ProxiedRequests": 1, "UpstreamErrors": 1}
    assert "log_id" not in said[-1] or said[-1]["log_id"] != first["log_id"]


def test_an_outcome_keeps_the_invocations_request_id(
    harness: ProxyHarness, tenant: Tenant, lines: io.StringIO
) -> None:
    telemetry.correlate(request_id="req-9")
    try:
        harness.call(tenant)
        telemetry.logger.info("after the request")
    finally:
        telemetry.forget("request_id", "log_id")
    proxied, after = [json.loads(line) for line in lines.getvalue().splitlines()]
    assert proxied["request_id"] == after["request_id"] == "req-9"
    assert "log_id" in proxied and "log_id" not in after


def test_a_request_is_traced_with_its_upstream_call(
    harness: ProxyHarness, tenant: Tenant, lines: io.StringIO, xray: RecordingXRay
) -> None:
    """In a function (tracing on), the upstream call is a subsegment named by provider, and
    the request's subsegment is searchable by provider, status and cache."""
    with telemetry.traced("## POST /v1/{account_id}/{gateway_id}/{provider}/{p1}/{p2}"):
        harness.call(tenant)
    (upstream, upstream_notes), (request, request_notes) = xray.closed
    assert upstream == "upstream openai" and upstream_notes == {"provider": "openai"}
    assert request_notes == {"provider": "openai", "status": 200, "cached": False}
