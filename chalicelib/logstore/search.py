"""Answering log queries: filters, search, order and pages over a gateway's shards.

Newest/oldest-first queries merge per-shard key-ordered reads (created_at is the id's
order), reading only what the page needs: a time range becomes a key range, failures
come from a sparse index only failed logs enter, and every other filter is applied to
the items read. A page stops after a read budget, so a rare match never makes one
request read a whole gateway: the page then comes back short, with a cursor to go on.
Other orders sort the whole filtered set, allowed up to MAX_SORTED logs.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from boto3.dynamodb.conditions import ConditionBase, Key

from chalicelib import dynamo
from chalicelib.logstore.filters import Filter, matches, time_bounds
from chalicelib.logstore.ids import id_ceiling, id_floor, partition_key
from chalicelib.logstore.reader import ReadStats
from chalicelib.logstore.record import LogRecord
from chalicelib.logstore.record_item import FAILURE_INDEX, FAILURE_INDEX_KEY, record_from_item

if TYPE_CHECKING:  # the boto3 type stubs are a development dependency only
    from mypy_boto3_dynamodb.service_resource import Table
    from mypy_boto3_dynamodb.type_defs import QueryOutputTypeDef

READ_BUDGET = 5_000
"""Items one page may read before it returns what it has (short page, cursor to go on)."""
MAX_SORTED = 100_000
"""Largest filtered set that may be ordered by a field other than created_at."""
_MAX_CHUNK = 1_000
_FIRST_READS = ThreadPoolExecutor(max_workers=16, thread_name_prefix="shard-read")
"""Runs the first read of every shard of a page at once (one round trip, not 16)."""


@dataclass
class _Progress:
    """What a page has read and found so far: sizes the next read of each shard."""

    wanted: int
    shard_count: int
    stats: ReadStats
    examined: int = 0
    found: int = 0

    def first_chunk(self) -> int:
        """Each shard's expected share of the page (rounded down: refills are cheap)."""
        return max(1, self.wanted // self.shard_count)

    def next_chunk(self) -> int:
        """A refill: the matches still missing, divided among the shards and by the share
        of the items examined so far that matched (1 when nothing is filtered)."""
        missing = max(1, self.wanted - self.found)
        selectivity = (self.found + 1) / (self.examined + 1)
        estimate = math.ceil(missing / selectivity / self.shard_count)
        return min(_MAX_CHUNK, max(1, estimate))


class TooManyToSort(ValueError):
    """The filtered set is over MAX_SORTED logs for a non-time order."""


@dataclass(frozen=True)
class LogSearch:
    """One query over one gateway's logs."""

    account_id: str
    gateway_id: str
    shard_count: int
    filters: tuple[Filter, ...] = ()
    search: str | None = None
    order_by: str = "created_at"
    descending: bool = True


@dataclass(frozen=True)
class Position:
    """Where a page ended: the last log's id, and its sort value for non-time orders."""

    log_id: str
    value: Any = None


@dataclass
class SearchPage:
    """Matching records, where to go on from (None: the end), and the work it took."""

    records: list[LogRecord]
    next_position: Position | None
    stats: ReadStats = field(default_factory=ReadStats)
    total: int | None = None


class LogSearcher:
    """Runs LogSearch queries against the `logs` table."""

    def __init__(self, logs_table: Table, read_budget: int = READ_BUDGET) -> None:
        self._table = logs_table
        self._budget = read_budget

    def page(
        self, query: LogSearch, limit: int, after: Position | None = None, skip: int = 0
    ) -> SearchPage:
        """Up to `limit` matching logs after `after`, skipping `skip` matches first.

        In created_at order a page reads at most its read budget beyond what it needs;
        past that it returns the matches so far and the position reached.
        """
        if query.order_by != "created_at":
            return self._sorted_page(query, limit, after, skip)
        stats = ReadStats()
        wanted = skip + limit + 1
        budget = self._budget + wanted
        found: list[LogRecord] = []
        progress = _Progress(wanted, query.shard_count, stats)
        for item in self._scan(query, after.log_id if after else None, progress):
            record = record_from_item(item)
            progress.examined += 1
            if matches(record, query.filters, query.search):
                found.append(record)
                progress.found += 1
                if len(found) == wanted:
                    records = found[skip : skip + limit]
                    return SearchPage(records, Position(records[-1].id), stats)
            if stats.items_read >= budget:
                return SearchPage(found[skip : skip + limit], Position(record.id), stats)
        return SearchPage(found[skip : skip + limit], None, stats)

    def all_matching(self, query: LogSearch, cap: int = MAX_SORTED) -> list[LogRecord]:
        """Every matching log in created_at order; TooManyToSort past `cap`."""
        progress = _Progress(cap + 1, query.shard_count, ReadStats())
        found: list[LogRecord] = []
        for item in self._scan(query, None, progress):
            record = record_from_item(item)
            progress.examined += 1
            if matches(record, query.filters, query.search):
                found.append(record)
                progress.found += 1
                if len(found) > cap:
                    raise TooManyToSort(
                        f"more than {cap:,} logs match; narrow the time range (start_date/"
                        "end_date) to order by another field"
                    )
        return found

    def each(self, query: LogSearch, chunk: int = _MAX_CHUNK) -> Iterator[LogRecord]:
        """Every matching log in created_at order, however many (for exports): each shard
        is read up to `chunk` items at a time, as the merge over the shards needs them."""
        progress = _Progress(chunk * query.shard_count, query.shard_count, ReadStats())
        for item in self._scan(query, None, progress):
            record = record_from_item(item)
            if matches(record, query.filters, query.search):
                yield record

    def _sorted_page(
        self, query: LogSearch, limit: int, after: Position | None, skip: int
    ) -> SearchPage:
        records = self.all_matching(query)
        records.sort(key=lambda r: _sort_key(r, query.order_by), reverse=query.descending)
        start = 0
        if after is not None:
            marker = (_null_last(after.value), after.log_id)
            keys = [_sort_key(r, query.order_by) for r in records]
            start = next(
                (
                    index
                    for index, key in enumerate(keys)
                    if (key < marker if query.descending else key > marker)
                ),
                len(records),
            )
        chunk = records[start + skip : start + skip + limit]
        more = start + skip + limit < len(records)
        position = Position(chunk[-1].id, _value(chunk[-1], query.order_by)) if more else None
        return SearchPage(chunk, position, total=len(records))

    def _scan(
        self, query: LogSearch, after_id: str | None, progress: _Progress
    ) -> Iterator[dict[str, Any]]:
        """Items that may match, in created_at order, merged over the shards."""
        low, high = _key_range(query)
        if after_id is not None:
            if query.descending:
                high = min(high, after_id) if high else after_id
            else:
                low = max(low, after_id) if low else after_id
        failures_only = _failures_only(query.filters)
        requests = [
            _shard_request(
                partition_key(query.account_id, query.gateway_id, shard),
                low,
                high,
                query.descending,
                failures_only,
                progress.first_chunk(),
            )
            for shard in range(query.shard_count)
        ]
        firsts = list(_FIRST_READS.map(self._query, requests)) if len(requests) > 1 else [None]
        streams = [
            self._shard(request, first, after_id, progress)
            for request, first in zip(requests, firsts, strict=True)
        ]
        return heapq.merge(*streams, key=lambda item: item["sk"], reverse=query.descending)

    def _query(self, request: dict[str, Any]) -> QueryOutputTypeDef:
        """One Query (thread-safe: through the table's client, which boto3 shares)."""
        return self._table.meta.client.query(TableName=self._table.name, **request)

    def _shard(
        self,
        request: dict[str, Any],
        first: QueryOutputTypeDef | None,
        exclude: str | None,
        progress: _Progress,
    ) -> Iterator[dict[str, Any]]:
        """One shard's items in order: its first read (made already, with the other
        shards', when `first` is given), then refills sized by what the page misses."""
        stats = progress.stats
        first = first if first is not None else self._query(request)
        pages = dynamo.pages(
            lambda **params: self._query(params),
            first=first,
            limit=progress.next_chunk,
            **request,
        )
        for page in pages:
            stats.calls += 1
            stats.items_read += page.get("ScannedCount", len(page["Items"]))
            for item in page["Items"]:
                if item["sk"] != exclude:
                    yield item


def _shard_request(
    pk: str,
    low: str | None,
    high: str | None,
    descending: bool,
    failures_only: bool,
    limit: int,
) -> dict[str, Any]:
    """The Query of one shard's items between `low` and `high` (inclusive), in order."""
    partition = FAILURE_INDEX_KEY if failures_only else "pk"
    condition: ConditionBase = Key(partition).eq(pk)
    if low and high:
        condition &= Key("sk").between(low, high)
    elif low:
        condition &= Key("sk").gte(low)
    elif high:
        condition &= Key("sk").lte(high)
    request: dict[str, Any] = {
        **dynamo.key_condition(condition),  # the shards' first reads run in parallel
        "ScanIndexForward": not descending,
        "Limit": limit,
    }
    if failures_only:
        request["IndexName"] = FAILURE_INDEX
    return request


def _key_range(query: LogSearch) -> tuple[str | None, str | None]:
    """The id range that the created_at filters allow (inclusive; filters stay exact)."""
    after, before = time_bounds(query.filters)
    return (id_floor(after) if after else None, id_ceiling(before) if before else None)


def _failures_only(filters: tuple[Filter, ...]) -> bool:
    """True when a filter admits failed logs only (success eq false / neq true)."""
    for item in filters:
        if item.key != "success":
            continue
        if item.operator == "eq" and set(item.values) == {False}:
            return True
        if item.operator == "neq" and set(item.values) == {True}:
            return True
    return False


def _value(record: LogRecord, order_by: str) -> Any:
    value = getattr(record, order_by)
    return float(value) if isinstance(value, Decimal) else value


def _null_last(value: Any) -> tuple[bool, Any]:
    return (value is None, value if value is not None else 0)


def _sort_key(record: LogRecord, order_by: str) -> tuple[tuple[bool, Any], str]:
    return (_null_last(_value(record, order_by)), record.id)
