"""Admission and eviction (LogAdmission), deletion, trimming and purging (LogMaintenance),
against moto in-process."""

from __future__ import annotations

import dataclasses
import time
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib import aws, wiring
from chalicelib.accounts.store import AccountStore
from chalicelib.logstore.admission import LogAdmission
from chalicelib.logstore.bodies import S3BodyStore, StoredBodies
from chalicelib.logstore.ids import new_log_id, partition_key
from chalicelib.logstore.maintenance import LogMaintenance
from chalicelib.logstore.record import LogRecord
from chalicelib.logstore.search import LogSearch, LogSearcher
from chalicelib.logstore.writes import LogPolicy, StoredLog, WriteOutcome
from chalicelib.settings import Settings
from tests.factories import log_record

SHARDS = 4
KEEP_FIRST = LogPolicy(shard_count=SHARDS, evict_oldest=False)
KEEP_NEWEST = LogPolicy(shard_count=SHARDS, evict_oldest=True)
START = datetime(2026, 3, 1, tzinfo=UTC)


def _record(log_id: str, account: str = "acme", gateway: str = "main") -> LogRecord:
    return log_record(log_id, account_id=account, gateway_id=gateway)


def _ids(count: int, offset: int = 0) -> list[str]:
    return [new_log_id(START + timedelta(milliseconds=offset + i)) for i in range(count)]


def _stored_ids(settings: Settings, account: str = "acme", gateway: str = "main") -> list[str]:
    items = aws.table(settings.logs_table).scan()["Items"]
    prefix = f"{account}#{gateway}#"
    return sorted(
        item["sk"]
        for item in items
        if item["pk"].startswith(prefix) and "dropped" not in item["pk"]
    )


@pytest.fixture
def admission(settings: Settings) -> LogAdmission:
    return wiring.log_admission()


@pytest.fixture
def maintenance(settings: Settings) -> LogMaintenance:
    return wiring.log_maintenance()


@pytest.fixture
def small_gateway(accounts: AccountStore) -> str:
    """Paid account `acme`, gateway `main` capped at 100 logs, 4 shards."""
    accounts.create_account("acme", "paid")
    accounts.create_gateway("acme", "main", {"log_management": 100, "shard_count": SHARDS})
    return "main"


def _counts(accounts: AccountStore) -> tuple[int, int, int]:
    gateway = accounts.get_gateway("acme", "main")
    account = accounts.get_account("acme")
    assert gateway is not None and account is not None
    return gateway.stored_logs, gateway.dropped_logs, account.stored_logs


def test_stop_inserting_keeps_the_first_and_counts_drops(
    admission: LogAdmission, accounts: AccountStore, settings: Settings, small_gateway: str
) -> None:
    ids = _ids(105)
    outcomes = [admission.admit(_record(i), None, KEEP_FIRST) for i in ids]
    assert outcomes.count(WriteOutcome.STORED) == 100
    assert outcomes[100:] == [WriteOutcome.DROPPED] * 5
    assert _stored_ids(settings) == ids[:100]
    assert _counts(accounts) == (100, 5, 100)


def test_delete_oldest_keeps_the_newest(
    admission: LogAdmission,
    accounts: AccountStore,
    settings: Settings,
    bodies: S3BodyStore,
    small_gateway: str,
) -> None:
    ids = _ids(130)
    for log_id in ids:
        outcome = admission.admit(_record(log_id), StoredBodies(b"q", b"a"), KEEP_NEWEST)
        assert outcome is WriteOutcome.STORED
    assert _stored_ids(settings) == ids[30:]
    assert _counts(accounts) == (100, 0, 100)
    assert bodies.get(f"acme/main/{ids[0]}") is None  # evicted bodies go too
    assert bodies.get(f"acme/main/{ids[-1]}") is not None


def test_delete_oldest_drops_a_log_older_than_everything_kept(
    admission: LogAdmission, accounts: AccountStore, settings: Settings, small_gateway: str
) -> None:
    ids = _ids(101, offset=1000)
    for log_id in ids[:100]:
        admission.admit(_record(log_id), None, KEEP_NEWEST)
    late_and_old = new_log_id(START)
    assert admission.admit(_record(late_and_old), None, KEEP_NEWEST) is WriteOutcome.DROPPED
    assert _stored_ids(settings) == ids[:100]


def test_retried_writes_count_once(
    admission: LogAdmission, accounts: AccountStore, small_gateway: str
) -> None:
    ids = _ids(102)
    for log_id in ids:
        admission.admit(_record(log_id), None, KEEP_FIRST)
    for log_id in ids:  # every write again: stored ones are duplicates, drops not recounted
        outcome = admission.admit(_record(log_id), None, KEEP_FIRST)
        assert outcome in (WriteOutcome.DUPLICATE, WriteOutcome.DROPPED)
    assert _counts(accounts) == (100, 2, 100)


def test_free_account_cap_applies_across_gateways(
    admission: LogAdmission, accounts: AccountStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.accounts import models

    free = models.Plan("free", 10, 150, None, (100, 100_000))
    monkeypatch.setitem(models.PLANS, "free", free)
    accounts.create_account("tiny", "free")
    for gateway in ("a", "b"):
        accounts.create_gateway("tiny", gateway, {"shard_count": SHARDS})
    outcomes = [
        admission.admit(_record(log_id, "tiny", gateway), None, KEEP_FIRST)
        for gateway, log_id in [("a", i) for i in _ids(100)] + [("b", i) for i in _ids(60, 500)]
    ]
    assert outcomes.count(WriteOutcome.STORED) == 150
    account = accounts.get_account("tiny")
    assert account is not None and account.stored_logs == 150


def test_delete_is_exact_and_repeatable(
    admission: LogAdmission,
    maintenance: LogMaintenance,
    accounts: AccountStore,
    settings: Settings,
    small_gateway: str,
) -> None:
    ids = _ids(40)
    for log_id in ids:
        admission.admit(_record(log_id), None, KEEP_FIRST)
    searcher = LogSearcher(aws.table(settings.logs_table))
    records = searcher.page(LogSearch("acme", "main", SHARDS, descending=False), 10).records
    logs = [StoredLog.of(record, SHARDS) for record in records]
    assert maintenance.delete("acme", "main", logs) == 10
    assert maintenance.delete("acme", "main", logs) == 0
    assert _counts(accounts) == (30, 0, 30)
    assert _stored_ids(settings) == ids[10:]


def test_trim_from_either_end(
    admission: LogAdmission,
    maintenance: LogMaintenance,
    accounts: AccountStore,
    settings: Settings,
    small_gateway: str,
) -> None:
    ids = _ids(50)
    for log_id in ids:
        admission.admit(_record(log_id), None, KEEP_FIRST)
    assert maintenance.trim("acme", "main", SHARDS, 5, newest=True) == 5
    assert maintenance.trim("acme", "main", SHARDS, 5, newest=False) == 5
    assert _stored_ids(settings) == ids[5:45]
    assert _counts(accounts)[0] == 40


def test_purge_removes_everything_and_can_resume(
    admission: LogAdmission,
    maintenance: LogMaintenance,
    accounts: AccountStore,
    settings: Settings,
    bodies: S3BodyStore,
    small_gateway: str,
) -> None:
    ids = _ids(105)
    for log_id in ids:
        admission.admit(_record(log_id), StoredBodies(b"q", b"a"), KEEP_FIRST)
    assert not maintenance.purge("acme", "main", SHARDS, deadline=0)  # no time: nothing done
    assert maintenance.purge("acme", "main", SHARDS, deadline=time.monotonic() + 60)
    assert aws.table(settings.logs_table).scan()["Items"] == []  # drop markers too
    assert _counts(accounts)[0] == 0 and _counts(accounts)[2] == 0
    listed = aws.client("s3").list_objects_v2(Bucket=settings.bodies_bucket)
    assert listed.get("KeyCount", 0) == 0


def test_a_log_of_a_gateway_being_deleted_is_not_admitted(
    admission: LogAdmission, accounts: AccountStore, settings: Settings, small_gateway: str
) -> None:
    accounts.mark_deleting("acme", "main")
    assert admission.admit(_record(new_log_id()), None, KEEP_FIRST) is WriteOutcome.DROPPED
    assert _stored_ids(settings) == []


def test_stored_log_keys(small_gateway: str) -> None:
    record = _record(new_log_id())
    log = StoredLog.of(record, SHARDS)
    assert log.pk.startswith("acme#main#") and log.sk == record.id
    assert log.pk in {partition_key("acme", "main", s) for s in range(SHARDS)}


def test_tiny_costs_roll_up_exactly(
    admission: LogAdmission, accounts: AccountStore, settings: Settings, small_gateway: str
) -> None:
    from decimal import Decimal

    from chalicelib.logstore.rollups import Rollups, aggregate

    costs = [Decimal("6E-8"), Decimal("1.5E-7"), Decimal("0.25")]
    for cost in costs:  # the first two serialize in exponent notation
        record = dataclasses.replace(_record(new_log_id(START)), cost=cost)
        assert admission.admit(record, None, KEEP_FIRST) is WriteOutcome.STORED
    rows = Rollups(settings.control_table).read(
        aws.table(settings.control_table), "acme", "main", START, START + timedelta(hours=1)
    )
    [total] = aggregate(rows, "provider")
    assert Decimal(str(total["cost"])) == sum(costs) and total["cost_known"] == 3
