from datetime import UTC, datetime, timedelta

import pytest

from chalicelib import aws, wiring
from chalicelib.accounts.store import AccountStore
from chalicelib.logstore.bodies import S3BodyStore, StoredBodies
from chalicelib.logstore.ids import new_log_id
from chalicelib.logstore.reader import LogReader
from chalicelib.logstore.record import LogRecord
from chalicelib.logstore.search import LogSearch, LogSearcher, Position, SearchPage
from chalicelib.logstore.sink import DirectLogSink, LogEntry
from chalicelib.logstore.writes import LogPolicy
from chalicelib.settings import Settings
from tests.factories import log_record
from tests.support.tenants import Tenant

SHARDS = 16


def _record(log_id: str, gateway: str = "main") -> LogRecord:
    return log_record(log_id, gateway_id=gateway)


POLICY = LogPolicy(shard_count=SHARDS, evict_oldest=False)


@pytest.fixture
def sink(tenant: Tenant, accounts: AccountStore) -> DirectLogSink:
    accounts.create_gateway(tenant.account_id, "other", {})
    return DirectLogSink(wiring.log_admission())


@pytest.fixture
def reader(settings: Settings) -> LogReader:
    return LogReader(aws.table(settings.logs_table))


@pytest.fixture
def searcher(settings: Settings) -> LogSearcher:
    return LogSearcher(aws.table(settings.logs_table))


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


def _page(
    searcher: LogSearcher,
    limit: int,
    after: str | None = None,
    skip: int = 0,
    gateway: str = "main",
) -> SearchPage:
    position = Position(after) if after else None
    return searcher.page(LogSearch("acme", gateway, SHARDS), limit, position, skip)


def test_newest_first_merges_shards_in_order(sink: DirectLogSink, searcher: LogSearcher) -> None:
    ids = _write_many(sink, 60)
    page = _page(searcher, 60)
    assert [r.id for r in page.records] == ids[::-1]
    assert page.next_position is None


def test_pages_visit_every_log_once(sink: DirectLogSink, searcher: LogSearcher) -> None:
    ids = _write_many(sink, 47)
    seen: list[str] = []
    after = None
    while True:
        page = _page(searcher, 10, after)
        seen.extend(r.id for r in page.records)
        if page.next_position is None:
            break
        after = page.next_position.log_id
    assert seen == ids[::-1]


def test_skip_gives_page_number_pagination(sink: DirectLogSink, searcher: LogSearcher) -> None:
    ids = _write_many(sink, 25)
    assert [r.id for r in _page(searcher, 10, skip=20).records] == ids[::-1][20:]


def test_page_reads_about_as_many_items_as_it_returns(
    sink: DirectLogSink, searcher: LogSearcher
) -> None:
    _write_many(sink, 400)
    page = _page(searcher, 50)
    assert len(page.records) == 50
    assert page.stats.items_read <= 50 + 2 * SHARDS  # not shards x page (800)


def test_gateways_do_not_share_logs(
    sink: DirectLogSink, searcher: LogSearcher, reader: LogReader
) -> None:
    _write_many(sink, 5, gateway="main")
    other = _write_many(sink, 3, gateway="other")
    assert [r.id for r in _page(searcher, 50, gateway="other").records] == other[::-1]
    assert reader.get("acme", "main", other[0], SHARDS) is None
