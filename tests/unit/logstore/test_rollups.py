"""Rollup actions applied to moto, read back and aggregated, against a recount of the logs."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from chalicelib import aws
from chalicelib.logstore.ids import new_log_id
from chalicelib.logstore.record import LogRecord
from chalicelib.logstore.rollups import GROUP_BYS, RollupRow, Rollups, aggregate
from chalicelib.settings import Settings
from chalicelib.timestamps import iso_utc
from tests.factories import log_record

START = datetime(2026, 6, 1, 10, tzinfo=UTC)
THREE_HOURS = START + timedelta(hours=3)


def _records(count: int, seed: int = 0) -> list[LogRecord]:
    """Logs over 3 hours x 2 providers x 2 models, some failed, cached or without usage."""
    records = []
    for index in range(seed, seed + count):
        moment = START + timedelta(hours=index % 3, minutes=(index * 7) % 60, seconds=index % 60)
        records.append(
            log_record(
                new_log_id(moment),
                provider=("openai", "anthropic")[index // 3 % 2],
                model=("gpt-4o", None)[index // 6 % 2],
                success=index % 7 != 0,
                cached=index % 5 == 0,
                tokens_in=None if index % 11 == 0 else index,
                tokens_out=None if index % 11 == 0 or index % 17 == 0 else 2 * index,
                cost=None if index % 13 == 0 else Decimal(index) / 10_000,
                duration=index % 97,
            )
        )
    return records


def _apply(actions: Sequence[dict[str, Any]]) -> None:
    client = aws.client("dynamodb")
    for first in range(0, len(actions), 100):
        client.transact_write_items(TransactItems=list(actions[first : first + 100]))


def _key(record: LogRecord, name: str) -> str:
    if name == "hour":
        moment = datetime.fromisoformat(record.created_at)
        return iso_utc(moment.replace(minute=0, second=0, microsecond=0))
    return getattr(record, name) or ""


def _recount(records: Sequence[LogRecord], group_by: str) -> list[dict[str, Any]]:
    """What aggregate should give, counted from the logs themselves."""
    names = group_by.split(",")
    groups: dict[tuple[str, ...], list[LogRecord]] = defaultdict(list)
    for record in records:
        groups[tuple(_key(record, name) for name in names)].append(record)
    out = []
    for keys in sorted(groups):
        logs = groups[keys]
        duration = sum(r.duration for r in logs)
        out.append(
            {
                **dict(zip(names, keys, strict=True)),
                "requests": len(logs),
                "errors": sum(not r.success for r in logs),
                "cached": sum(r.cached for r in logs),
                "tokens_in": sum(r.tokens_in or 0 for r in logs),
                "tokens_out": sum(r.tokens_out or 0 for r in logs),
                "cost": float(sum((r.cost for r in logs if r.cost is not None), Decimal(0))),
                "duration_sum": duration,
                "tokens_known": sum(
                    r.tokens_in is not None or r.tokens_out is not None for r in logs
                ),
                "cost_known": sum(r.cost is not None for r in logs),
                "duration_avg": round(duration / len(logs), 3),
            }
        )
    return out


@pytest.fixture
def rollups(settings: Settings) -> Rollups:
    return Rollups(settings.control_table)


def _read(settings: Settings, rollups: Rollups, start: datetime, end: datetime) -> list[RollupRow]:
    return rollups.read(aws.table(settings.control_table), "acme", "main", start, end)


def test_one_action_per_group(rollups: Rollups) -> None:
    records = _records(250)
    actions = rollups.actions(records)
    assert len(actions) == 12
    keys = {(a["Update"]["Key"]["pk"]["S"], a["Update"]["Key"]["sk"]["S"]) for a in actions}
    assert len(keys) == 12
    assert ("ROLLUP#acme#main", "2026-06-01T10#anthropic#") in keys
    others = [log_record(account_id="globex"), log_record(gateway_id="other")]
    assert len(rollups.actions(records + others)) == 14
    assert rollups.actions([]) == []
    local_time = log_record(created_at="2026-06-01T12:30:00.000+02:00")
    (action,) = rollups.actions([local_time])
    assert action["Update"]["Key"]["sk"]["S"] == "2026-06-01T10#openai#"


@pytest.mark.parametrize("group_by", GROUP_BYS)
def test_read_and_aggregate_match_a_recount(
    settings: Settings, rollups: Rollups, group_by: str
) -> None:
    records = _records(250)
    _apply(rollups.actions(records))
    rows = _read(settings, rollups, START, THREE_HOURS)
    assert len(rows) == 12
    assert aggregate(rows, group_by) == _recount(records, group_by)


def test_a_second_batch_adds_up(settings: Settings, rollups: Rollups) -> None:
    first, second = _records(250), _records(90, seed=1000)
    _apply(rollups.actions(first))
    _apply(rollups.actions(second))
    rows = _read(settings, rollups, START, THREE_HOURS)
    for group_by in GROUP_BYS:
        assert aggregate(rows, group_by) == _recount(first + second, group_by)


def test_only_the_hours_overlapping_the_range(settings: Settings, rollups: Rollups) -> None:
    records = _records(250)
    _apply(rollups.actions(records))

    def hours(start: datetime, end: datetime) -> list[str]:
        return sorted({row.hour for row in _read(settings, rollups, start, end)})

    one_hour = timedelta(hours=1)
    assert hours(START + one_hour, START + 2 * one_hour) == ["2026-06-01T11"]
    assert hours(START + 1.5 * one_hour, START + 2.5 * one_hour) == [
        "2026-06-01T11",
        "2026-06-01T12",
    ]
    assert hours(START - one_hour, START) == []
    assert hours(THREE_HOURS, THREE_HOURS + one_hour) == []
    naive = START.replace(tzinfo=None)
    assert hours(naive, naive + one_hour) == ["2026-06-01T10"]
    in_hour = [r for r in records if r.created_at.startswith("2026-06-01T11")]
    rows = _read(settings, rollups, START + one_hour, START + 2 * one_hour)
    assert aggregate(rows, "provider") == _recount(in_hour, "provider")


def test_other_gateways_and_accounts_stay_apart(settings: Settings, rollups: Rollups) -> None:
    mine = _records(30)
    theirs = [log_record(account_id="globex", created_at=mine[0].created_at)]
    sibling = [log_record(gateway_id="main-2", created_at=mine[0].created_at)]
    _apply(rollups.actions(mine + theirs + sibling))
    rows = _read(settings, rollups, START, THREE_HOURS)
    assert aggregate(rows, "hour") == _recount(mine, "hour")


def test_read_follows_pages(rollups: Rollups) -> None:
    item = {"hour": "2026-06-01T10", "provider": "openai", "model": "", "requests": Decimal(1)}

    class PagedTable:
        def __init__(self) -> None:
            self.calls: list[dict[str, Any]] = []

        def query(self, **kwargs: Any) -> dict[str, Any]:
            self.calls.append(kwargs)
            if "ExclusiveStartKey" in kwargs:
                return {"Items": [item]}
            return {"Items": [item], "LastEvaluatedKey": {"pk": "p", "sk": "s"}}

    table = PagedTable()
    rows = rollups.read(table, "acme", "main", START, THREE_HOURS)
    assert [row.requests for row in rows] == [1, 1]
    assert rows[0].cost == Decimal(0)
    assert table.calls[1]["ExclusiveStartKey"] == {"pk": "p", "sk": "s"}


def test_an_hour_and_model_row_has_both_keys_sorted_by_hour_then_model(
    settings: Settings, rollups: Rollups
) -> None:
    _apply(rollups.actions(_records(250)))
    rows = aggregate(_read(settings, rollups, START, THREE_HOURS), "hour,model")
    keys = [(row["hour"], row["model"]) for row in rows]
    hours = [iso_utc(START + timedelta(hours=index)) for index in range(3)]
    assert keys == [(hour, model) for hour in hours for model in ("", "gpt-4o")]
    assert all("provider" not in row for row in rows)


@pytest.mark.parametrize(
    "group_by", ["day", "model,hour", "hour,hour", "hour, model", "hour,model,provider", ""]
)
def test_aggregate_rejects_an_unknown_grouping(group_by: str) -> None:
    with pytest.raises(ValueError, match=r"hour \| model \| provider \| hour,model"):
        aggregate([], group_by)
