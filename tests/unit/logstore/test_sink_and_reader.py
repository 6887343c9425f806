from datetime import UTC, datetime, timedelta

import pytest

from chalicelib import aws, wiring
from chalicelib.accounts.store import AccountStore
from chalicelib.logstore.bodies import S3BodyStore, StoredBodies
from chalicelib.logstore.ids import iso_utc, new_log_id
from chalicelib.logstore.reader import LogReader
from chalicelib.logstore.record import LogRecord
from chalicelib.logstore.sink import DirectLogSink, LogEntry
from chalicelib.logstore.writer import LogPolicy
from chalicelib.settings import Settings
from tests.factories import log_record
from tests.unit.conftest import Tenant

SHARDS = 16


def _record(log_id: str, gateway: str = "main") -> LogRecord:
    return log_record(log_id, gateway_id=gateway)


POLICY = LogPolicy(shard_count=SHARDS, evict_oldest=False)


@pytest.fixture
def sink(tenant: Tenant, accounts: AccountStore) -> DirectLogSink:
    accounts.create_gateway(tenant.account_id, "other", {})
    return DirectLogSink(wiring.log_writer())


@pytest.fixture
def reader(settings: Settings) -> LogReader:
    return LogReader(aws.table(settings.logs_table))


def _write_many(sink: DirectLogSink, count: int, gateway: str = "main") -> list[str]:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    ids = [new_log_id(start + timedelta(milliseconds=i)) for i in range(count)]
    for log_id in ids:
        sink.write(LogEntry(_record(log_id, gateway), None, POLICY))
    return ids


def test_write_stores_item_and_bodies(
    sink: DirectLogSink, reader: LogReader, bodies: S3BodyStore
) -> None:
    log_id = new_log_id()
    sink.write(LogEntry(_record(log_id), StoredBodies(b"req", b"resp"), POLICY))
    stored = reader.get("acme", "main", log_id, SHARDS)
    assert stored is not None and stored.body_key == f"acme/main/{log_id}"
    assert bodies.get(stored.body_key) == StoredBodies(b"req", b"resp")


def test_retried_write_stores_one_item(
    sink: DirectLogSink, settings: Settings, reader: LogReader
) -> None:
    log_id = new_log_id()
    for _ in range(3):
        assert sink.write(LogEntry(_record(log_id), None, POLICY)).value in ("stored", "duplicate")
    items = aws.table(settings.logs_table).scan()["Items"]
    assert [item["sk"] for item in items] == [log_id]


def test_newest_first_merges_shards_in_order(sink: DirectLogSink, reader: LogReader) -> None:
    ids = _write_many(sink, 60)
    page = reader.newest_first("acme", "main", SHARDS, limit=60)
    assert [r.id for r in page.records] == ids[::-1]
    assert not page.has_more


def test_pages_visit_every_log_once(sink: DirectLogSink, reader: LogReader) -> None:
    ids = _write_many(sink, 47)
    seen: list[str] = []
    before = None
    while True:
        page = reader.newest_first("acme", "main", SHARDS, limit=10, before_id=before)
        seen.extend(r.id for r in page.records)
        if not page.has_more:
            break
        before = page.records[-1].id
    assert seen == ids[::-1]


def test_skip_gives_page_number_pagination(sink: DirectLogSink, reader: LogReader) -> None:
    ids = _write_many(sink, 25)
    page = reader.newest_first("acme", "main", SHARDS, limit=10, skip=20)
    assert [r.id for r in page.records] == ids[::-1][20:]


def test_page_reads_about_as_many_items_as_it_returns(
    sink: DirectLogSink, reader: LogReader
) -> None:
    _write_many(sink, 400)
    page = reader.newest_first("acme", "main", SHARDS, limit=50)
    assert len(page.records) == 50
    assert page.stats.items_read <= 50 + 2 * SHARDS  # not shards x page (800)


def test_gateways_do_not_share_logs(sink: DirectLogSink, reader: LogReader) -> None:
    _write_many(sink, 5, gateway="main")
    other = _write_many(sink, 3, gateway="other")
    page = reader.newest_first("acme", "other", SHARDS, limit=50)
    assert [r.id for r in page.records] == other[::-1]
    assert reader.get("acme", "main", other[0], SHARDS) is None


def test_iso_created_at_matches_id() -> None:
    moment = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
    assert iso_utc(moment) == "2026-05-01T12:00:00.000Z"
