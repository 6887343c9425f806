"""The search engine against a brute-force filter over the same logs."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from chalicelib import aws
from chalicelib.logstore.filters import Filter, make_filter, matches
from chalicelib.logstore.ids import new_log_id, partition_key, shard_of
from chalicelib.logstore.record import LogRecord
from chalicelib.logstore.record_item import record_item
from chalicelib.logstore.search import LogSearch, LogSearcher, Position, TooManyToSort
from chalicelib.settings import Settings
from chalicelib.timestamps import iso_utc

SHARDS = 8
START = datetime(2026, 5, 1, tzinfo=UTC)
MODELS = ["gpt-4o-mini", "gpt-4o", "claude-sonnet-4", "gemini-2.0-flash", None]
PROVIDERS = ["openai", "anthropic", "google-ai-studio", "groq"]


def _make_logs(count: int, rng: random.Random) -> list[LogRecord]:
    records = []
    for index in range(count):
        log_id = new_log_id(START + timedelta(seconds=index * 7))
        tokens_in = rng.choice([None, rng.randint(1, 5000)])
        records.append(
            LogRecord(
                id=log_id,
                created_at=iso_utc(START + timedelta(seconds=index * 7)),
                account_id="acme",
                gateway_id="main",
                provider=rng.choice(PROVIDERS),
                path=rng.choice(["chat/completions", "v1/messages", "embeddings"]),
                status_code=rng.choice([200] * 20 + [429, 500]),
                success=rng.random() > 0.1,
                duration=rng.randint(5, 3000),
                model=rng.choice(MODELS),
                model_type=rng.choice(["chat", "embedding", None]),
                cached=rng.random() < 0.2,
                tokens_in=tokens_in,
                tokens_out=None if tokens_in is None else rng.randint(0, 800),
                cost=None if tokens_in is None else Decimal(rng.randint(0, 10_000)) / 10_000,
                metadata=rng.choice(
                    [{}, {"user": f"u{rng.randint(1, 5)}"}, {"team": "red", "n": 3}]
                ),
                event_id=rng.choice([None, f"ev-{rng.randint(1, 30)}"]),
                feedback=rng.choice([None, -1, 0, 1]),
            )
        )
    return records


@pytest.fixture
def stored(settings: Settings) -> list[LogRecord]:
    table = aws.table(settings.logs_table)
    records = _make_logs(160, random.Random(7))
    with table.batch_writer() as batch:
        for record in records:
            pk = partition_key("acme", "main", shard_of(record.id, SHARDS))
            batch.put_item(Item=record_item(record, pk))
    return records


@pytest.fixture
def searcher(settings: Settings) -> LogSearcher:
    return LogSearcher(aws.table(settings.logs_table), read_budget=60)


def _random_filters(rng: random.Random) -> tuple[tuple[Filter, ...], str | None]:
    moment = START + timedelta(seconds=rng.randint(0, 160 * 7))
    choices = [
        lambda: make_filter("model", "eq", rng.sample([m for m in MODELS if m], 2)),
        lambda: make_filter("provider", "neq", [rng.choice(PROVIDERS)]),
        lambda: make_filter("success", "eq", [rng.choice([True, False])]),
        lambda: make_filter("cached", "eq", [True]),
        lambda: make_filter("cost", rng.choice(["lt", "gt"]), [rng.random()]),
        lambda: make_filter("tokens", "gt", [rng.randint(0, 5000)]),
        lambda: make_filter("duration", rng.choice(["lt", "gt", "lte", "gte"]), [1500]),
        lambda: make_filter("created_at", rng.choice(["lt", "gt"]), [moment.isoformat()]),
        lambda: make_filter("metadata.key", "eq", ["user"]),
        lambda: make_filter("metadata.value", "contains", ["u2"]),
        lambda: make_filter("feedback", "eq", [1, -1]),
        lambda: make_filter("status_code", "neq", [200]),
        lambda: make_filter("tokens_in", "eq", [None]),
        lambda: make_filter("model", "contains", ["GPT"]),
    ]
    filters = tuple(rng.choice(choices)() for _ in range(rng.randint(0, 3)))
    search = rng.choice([None, None, "claude", "EV-1", "u3"])
    return filters, search


def _walk(searcher: LogSearcher, query: LogSearch, per_page: int) -> list[str]:
    seen: list[str] = []
    after: Position | None = None
    for _ in range(1000):
        page = searcher.page(query, per_page, after)
        seen.extend(record.id for record in page.records)
        if page.next_position is None:
            return seen
        after = page.next_position
    raise AssertionError("pagination did not end")


@pytest.mark.parametrize("seed", range(5))
def test_pages_equal_brute_force(stored: list[LogRecord], searcher: LogSearcher, seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(5):
        filters, search = _random_filters(rng)
        descending = rng.random() < 0.7
        query = LogSearch("acme", "main", SHARDS, filters, search, "created_at", descending)
        expected = sorted((r.id for r in stored if matches(r, filters, search)), reverse=descending)
        assert _walk(searcher, query, rng.choice([3, 11, 50])) == expected, (filters, search)


@pytest.mark.parametrize("order_by", ["cost", "duration", "model", "success", "tokens_in"])
def test_other_orders_equal_brute_force(
    stored: list[LogRecord], searcher: LogSearcher, order_by: str
) -> None:
    filters = (make_filter("provider", "neq", ["groq"]),)
    for descending in (True, False):
        query = LogSearch("acme", "main", SHARDS, filters, None, order_by, descending)

        def key(record: LogRecord) -> tuple[tuple[bool, object], str]:
            value = getattr(record, order_by)
            value = float(value) if isinstance(value, Decimal) else value
            return ((value is None, value if value is not None else 0), record.id)

        matching = [r for r in stored if matches(r, filters)]
        expected = [r.id for r in sorted(matching, key=key, reverse=descending)]
        assert _walk(searcher, query, 40) == expected


def test_failures_come_from_the_failure_index(
    stored: list[LogRecord], searcher: LogSearcher
) -> None:
    query = LogSearch("acme", "main", SHARDS, (make_filter("success", "eq", [False]),))
    page = searcher.page(query, 10)
    failed = sorted((r.id for r in stored if not r.success), reverse=True)
    assert [r.id for r in page.records] == failed[:10]
    assert page.stats.items_read <= 10 + 2 * SHARDS  # failures only, not 10x that


def test_time_range_reads_only_the_range(stored: list[LogRecord], searcher: LogSearcher) -> None:
    low, high = stored[100].created_at, stored[119].created_at
    filters = (make_filter("created_at", "gt", [low]), make_filter("created_at", "lt", [high]))
    page = searcher.page(LogSearch("acme", "main", SHARDS, filters), 100)
    assert [r.id for r in page.records] == [r.id for r in stored[101:119]][::-1]
    assert page.stats.items_read <= 20 + SHARDS


def test_a_rare_match_returns_a_short_page_with_a_cursor(
    stored: list[LogRecord], searcher: LogSearcher
) -> None:
    query = LogSearch("acme", "main", SHARDS, (), "no-such-text")
    page = searcher.page(query, 10)
    assert page.records == [] and page.next_position is not None
    assert page.stats.items_read < 160


def test_too_many_to_sort(stored: list[LogRecord], settings: Settings) -> None:
    searcher = LogSearcher(aws.table(settings.logs_table))
    query = LogSearch("acme", "main", SHARDS, (), None, "cost")
    with pytest.raises(TooManyToSort, match="narrow the time range"):
        searcher.all_matching(query, cap=100)
