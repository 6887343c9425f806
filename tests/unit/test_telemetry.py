"""chalicelib.telemetry: JSON log lines with correlation keys, metrics in CloudWatch's
embedded metric format, X-Ray subsegments and annotations."""

from __future__ import annotations

import io
import json
from types import SimpleNamespace

import pytest

from chalicelib import telemetry
from chalicelib.api.chalice_glue import ThreadSafeChalice, observed
from chalicelib.telemetry import Metric
from tests.support.xray import RecordingXRay


@pytest.fixture(autouse=True)
def nothing_pending(capsys: pytest.CaptureFixture[str]) -> None:
    """What earlier tests counted is published (and dropped) before each test."""
    telemetry.flush()
    capsys.readouterr()


def _lines(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def test_counts_are_published_once_in_embedded_metric_format(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("POWERTOOLS_METRICS_DISABLED", raising=False)
    telemetry.count(Metric.PROXIED_REQUESTS)
    telemetry.count(Metric.PROXIED_REQUESTS)
    telemetry.count(Metric.CACHE_HITS)
    telemetry.flush()
    telemetry.flush()  # nothing left: nothing printed
    (emf,) = _lines(capsys.readouterr().out)
    (directive,) = emf["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "AIGateway"
    assert {m["Name"] for m in directive["Metrics"]} == {"ProxiedRequests", "CacheHits"}
    assert emf["ProxiedRequests"] == [1.0, 1.0] and emf["CacheHits"] == [1.0]
    assert emf["service"] == "ai-gateway"


def test_disabled_metrics_print_nothing(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    telemetry.count(Metric.LOG_DROPS)
    telemetry.flush()
    assert _lines(capsys.readouterr().out) == []


def test_log_lines_are_json_with_the_correlation_until_forgotten(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    written = io.StringIO()
    monkeypatch.setattr(telemetry.logger.registered_handler, "stream", written)
    telemetry.correlate(request_id="req-1", log_id="01JLOG")
    telemetry.logger.info("proxied", extra={"provider": "openai", "status": 200})
    telemetry.forget("request_id", "log_id")
    telemetry.logger.info("next")
    first, after = _lines(written.getvalue())
    assert first["message"] == "proxied" and first["level"] == "INFO"
    assert first["request_id"] == "req-1" and first["log_id"] == "01JLOG"
    assert first["provider"] == "openai" and first["service"] == "ai-gateway"
    assert "request_id" not in after and "log_id" not in after


def test_the_chalice_middleware_correlates_and_publishes_each_event(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("POWERTOOLS_METRICS_DISABLED", raising=False)
    written = io.StringIO()
    monkeypatch.setattr(telemetry.logger.registered_handler, "stream", written)
    sqs_event = SimpleNamespace(context=SimpleNamespace(aws_request_id="req-42"))
    http_request = SimpleNamespace(context={"requestId": "api-7"})

    def handler(event: object) -> str:
        telemetry.count(Metric.DLQ_REDRIVES, 3)
        telemetry.logger.info("handled")
        return "done"

    assert observed(sqs_event, handler) == "done"
    assert observed(http_request, handler) == "done"
    first, second = _lines(written.getvalue())
    assert first["request_id"] == "req-42" and second["request_id"] == "api-7"
    published = _lines(capsys.readouterr().out)
    assert [emf["DlqRedrives"] for emf in published] == [[3.0], [3.0]]


def test_chalice_leaves_the_service_logger_to_powertools(monkeypatch: pytest.MonkeyPatch) -> None:
    """The Chalice app's logger has the service's name: its debug flag must not set the level
    (it would set ERROR and silence every info line)."""
    written = io.StringIO()
    monkeypatch.setattr(telemetry.logger.registered_handler, "stream", written)
    app = ThreadSafeChalice(app_name=telemetry.SERVICE)
    app.debug = False
    app.log.info("still heard")
    telemetry.logger.info("and this")
    assert [line["message"] for line in _lines(written.getvalue())] == ["still heard", "and this"]


def test_tracing_is_off_outside_lambda() -> None:
    """Unit tests, `make run` and `chalice local` have no X-Ray daemon: no subsegment."""
    assert telemetry.tracer.disabled
    with telemetry.traced("upstream openai", provider="openai"):
        telemetry.annotate(status=200)


def test_a_traced_block_is_a_subsegment_with_its_annotations(xray: RecordingXRay) -> None:
    telemetry.annotate(ignored=True)  # no subsegment open: Lambda's segment takes none
    with telemetry.traced("## GET /healthz"):
        with telemetry.traced("upstream openai", provider="openai"):
            telemetry.annotate(status=200, cached=False)
        telemetry.annotate(outer=1)
    assert xray.closed == [
        ("upstream openai", {"provider": "openai", "status": 200, "cached": False}),
        ("## GET /healthz", {"outer": 1}),
    ]


def test_the_chalice_middleware_traces_each_event_by_route_not_by_path(
    xray: RecordingXRay, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    http_request = SimpleNamespace(
        method="GET",
        context={
            "requestId": "api-7",
            "resourcePath": "/accounts/{account_id}/ai-gateway/gateways",
            "path": "/accounts/acct-secretive/ai-gateway/gateways",
        },
    )
    sqs_event = SimpleNamespace(context=SimpleNamespace(aws_request_id="req-42"))
    observed(http_request, lambda event: "done")
    observed(sqs_event, lambda event: "done")
    assert [name for name, _ in xray.closed] == [
        "## GET /accounts/{account_id}/ai-gateway/gateways",
        "## SimpleNamespace",
    ]
