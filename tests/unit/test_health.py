"""GET /healthz?deep=1 (chalicelib.health): one cheap call per dependency."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from chalice.test import Client

from app import app
from chalicelib import aws, wiring
from chalicelib.health import deep_checks
from chalicelib.settings import Settings


def _checks(settings: Settings) -> dict[str, str]:
    return deep_checks(settings, aws.client("dynamodb"), aws.client("s3"), aws.client("sqs"))


def test_everything_reachable_is_ok(settings: Settings) -> None:
    assert settings.log_queue_url
    assert _checks(settings) == {
        "logs_table": "ok",
        "control_table": "ok",
        "bodies_bucket": "ok",
        "log_queue": "ok",
    }


def test_each_missing_dependency_is_named_by_its_error_code_only(settings: Settings) -> None:
    broken = replace(
        settings,
        logs_table="gone-logs",
        bodies_bucket="gone-bucket",
        log_queue_url=settings.log_queue_url + "-gone",
    )
    checks = _checks(broken)
    assert checks["control_table"] == "ok"
    assert checks["logs_table"] == "ResourceNotFoundException"
    assert checks["bodies_bucket"] == "404"
    assert checks["log_queue"].endswith("NonExistentQueue")


def test_without_a_queue_there_is_nothing_to_check(settings: Settings) -> None:
    assert "log_queue" not in _checks(replace(settings, log_queue_url=None))


def test_the_route_is_shallow_unless_asked(settings: Settings) -> None:
    with Client(app) as client:
        shallow = client.http.get("/healthz")
        deep = client.http.get("/healthz?deep=1")
    assert json.loads(shallow.body) == {"status": "ok"}
    assert deep.status_code == 200
    assert json.loads(deep.body)["checks"]["logs_table"] == "ok"


def test_the_route_answers_503_when_a_dependency_fails(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIG_LOGS_TABLE", "gone-logs")
    wiring.reset()
    with Client(app) as client:
        deep = client.http.get("/healthz?deep=1")
    assert deep.status_code == 503
    body = json.loads(deep.body)
    assert body["status"] == "failing"
    assert body["checks"]["logs_table"] == "ResourceNotFoundException"
    assert "gone-logs" not in deep.body.decode()  # no AWS message, no resource name
