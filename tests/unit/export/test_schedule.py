"""ScheduledExport: every gateway with logpush on, hour by hour from its checkpoint."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib import aws, wiring
from chalicelib.accounts.store import AccountStore
from chalicelib.export import (
    CHECKPOINT_PREFIX,
    EXPORT_PREFIX,
    LAG,
    ScheduledExport,
    StoreExport,
    export_budget_s,
    hour_key,
    last_complete_hour,
    schedule,
)
from chalicelib.logstore import new_log_id
from chalicelib.settings import Settings
from tests.factories import log_record
from tests.unit.export.helpers import store

T = datetime(2026, 6, 1, 10, tzinfo=UTC)
H = timedelta(hours=1)
AT = T + H + timedelta(minutes=20)
"""A run at 11:20: the last complete hour is 10:00-11:00."""


@pytest.fixture
def gateways(accounts: AccountStore) -> None:
    accounts.create_account("acme", plan="paid")
    accounts.create_account("globex", plan="paid")
    accounts.create_gateway("acme", "pushed", {"logpush": True})
    accounts.create_gateway("acme", "quiet", {})
    accounts.create_gateway("globex", "pushed", {"logpush": True})


def _scheduled(settings: Settings) -> ScheduledExport:
    """The scheduled export, its clock ticking one second per look."""
    ticks = itertools.count()
    return ScheduledExport(
        wiring.accounts(),
        wiring.store_export(),
        aws.client("s3"),
        settings.bodies_bucket,
        clock=lambda: float(next(ticks)),
    )


def _exported(settings: Settings) -> list[str]:
    listed = aws.client("s3").list_objects_v2(Bucket=settings.bodies_bucket, Prefix=EXPORT_PREFIX)
    return sorted(obj["Key"].removeprefix(EXPORT_PREFIX) for obj in listed.get("Contents", []))


def _checkpoint(settings: Settings, name: str) -> datetime:
    answer = aws.client("s3").get_object(
        Bucket=settings.bodies_bucket, Key=CHECKPOINT_PREFIX + name
    )
    return datetime.fromisoformat(answer["Body"].read().decode())


def _log(account: str, gateway: str, moment: datetime) -> None:
    store([log_record(new_log_id(moment), account_id=account, gateway_id=gateway)], bodies=False)


@pytest.mark.usefixtures("gateways")
def test_each_run_exports_the_hours_due_since_each_gateways_checkpoint(
    settings: Settings,
) -> None:
    for hour in range(-1, 4):
        for account, gateway in (("acme", "pushed"), ("acme", "quiet"), ("globex", "pushed")):
            _log(account, gateway, T + hour * H + timedelta(minutes=5))
    first = _scheduled(settings).run(AT, budget_s=600)
    assert (first.gateways, first.hours, first.export.logs, first.complete) == (2, 2, 2, True)
    assert _exported(settings) == [
        hour_key("acme", "pushed", T),
        hour_key("globex", "pushed", T),
    ]
    again = _scheduled(settings).run(AT + timedelta(minutes=30), budget_s=600)
    assert again.hours == 0  # nothing new is due
    later = _scheduled(settings).run(AT + 3 * H, budget_s=600)  # two runs were missed
    assert (later.hours, later.export.logs) == (6, 6)
    assert len(_exported(settings)) == 8
    assert _checkpoint(settings, "acme/pushed") == T + 4 * H


@pytest.mark.usefixtures("gateways")
def test_a_run_stops_at_its_budget_and_gateways_take_turns(settings: Settings) -> None:
    _scheduled(settings).run(AT, budget_s=600)  # checkpoints at 11:00
    report = _scheduled(settings).run(AT + 4 * H, budget_s=3.5)  # 4 hours due for each
    assert (report.hours, report.complete) == (3, False)  # acme 11:00, globex 11:00, acme 12:00
    assert _checkpoint(settings, "acme/pushed") == T + 3 * H
    assert _checkpoint(settings, "globex/pushed") == T + 2 * H
    rest = _scheduled(settings).run(AT + 4 * H, budget_s=600)
    assert (rest.hours, rest.complete) == (5, True)


@pytest.mark.usefixtures("gateways")
def test_catch_up_reaches_back_at_most_max_catch_up(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(schedule, "MAX_CATCH_UP", 3 * H)
    _scheduled(settings).run(AT, budget_s=600)
    report = _scheduled(settings).run(AT + 10 * H, budget_s=600)
    assert report.hours == 2 * 3
    assert _checkpoint(settings, "globex/pushed") == T + 11 * H


@pytest.mark.usefixtures("gateways")
def test_one_gateways_failure_leaves_the_others_exported(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = StoreExport.export_window

    def failing_for_acme(self: StoreExport, account_id: str, *args: object) -> object:
        if account_id == "acme":
            raise RuntimeError("the logs table is unreachable")
        return original(self, account_id, *args)  # type: ignore[arg-type]

    _log("globex", "pushed", T + timedelta(minutes=5))
    monkeypatch.setattr(StoreExport, "export_window", failing_for_acme)
    report = _scheduled(settings).run(AT, budget_s=600)
    assert report.failed == ["acme/pushed"] and report.hours == 1
    assert _exported(settings) == [hour_key("globex", "pushed", T)]
    monkeypatch.setattr(StoreExport, "export_window", original)
    retried = _scheduled(settings).run(AT, budget_s=600)  # no checkpoint: tried again
    assert (retried.failed, retried.hours) == ([], 1)


def test_the_budget_leaves_a_margin() -> None:
    assert export_budget_s(900) == 780
    assert export_budget_s(60) == 45
    assert export_budget_s(0) == 0


@pytest.mark.usefixtures("gateways")
def test_the_scheduled_handler_exports_the_last_complete_hour(settings: Settings) -> None:
    from chalice.test import Client

    from app import app

    due = last_complete_hour(datetime.now(UTC), LAG)
    _log("acme", "pushed", due.start + timedelta(minutes=30))
    with Client(app, stage_name="local") as client:
        event = client.events.generate_cw_event(
            source="aws.events", detail_type="Scheduled Event", detail={}, resources=[]
        )
        answer = client.lambda_.invoke("export_logs", event)
    assert answer.payload["complete"] is True and answer.payload["export"]["logs"] == 1
    assert _exported(settings) == [hour_key("acme", "pushed", due.start)]
