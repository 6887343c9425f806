"""Reading logs back: one by id, or a newest-first page merged across shards.

A gateway's logs are spread over `shard_count` partitions by id. A page is a k-way
merge of per-shard newest-first queries, each fetched lazily in small chunks sized so
that the items read stay close to the items returned (not shards x page).
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from boto3.dynamodb.conditions import Key

from chalicelib.logstore.ids import partition_key, shard_of
from chalicelib.logstore.record import LogRecord


@dataclass
class ReadStats:
    """Work done by a read: DynamoDB calls and items read (ScannedCount)."""

    calls: int = 0
    items_read: int = 0


@dataclass
class Page:
    """One page of records, newest first, and whether more follow the last one."""

    records: list[LogRecord]
    has_more: bool
    stats: ReadStats = field(default_factory=ReadStats)


class LogReader:
    """Reads the `logs` table of one deployment."""

    def __init__(self, logs_table: Any) -> None:
        self._table = logs_table

    def get(
        self, account_id: str, gateway_id: str, log_id: str, shard_count: int
    ) -> LogRecord | None:
        """Return one log by id, or None."""
        pk = partition_key(account_id, gateway_id, shard_of(log_id, shard_count))
        item = self._table.get_item(Key={"pk": pk, "sk": log_id}).get("Item")
        return LogRecord.from_item(item) if item else None

    def newest_first(
        self,
        account_id: str,
        gateway_id: str,
        shard_count: int,
        limit: int,
        before_id: str | None = None,
        skip: int = 0,
    ) -> Page:
        """Return up to `limit` logs older than `before_id` (all if None), newest first.

        `skip` drops that many logs first (page-number pagination); its cost grows
        with it, so callers bound it.
        """
        return self._merged(account_id, gateway_id, shard_count, limit, before_id, skip, True)

    def oldest_first(self, account_id: str, gateway_id: str, shard_count: int, limit: int) -> Page:
        """Return up to `limit` logs, oldest first."""
        return self._merged(account_id, gateway_id, shard_count, limit, None, 0, False)

    def _merged(
        self,
        account_id: str,
        gateway_id: str,
        shard_count: int,
        limit: int,
        after_id: str | None,
        skip: int,
        newest: bool,
    ) -> Page:
        stats = ReadStats()
        first_chunk = max(1, math.ceil((limit + skip + 1) / shard_count))
        streams = [
            self._shard_stream(
                partition_key(account_id, gateway_id, s), after_id, first_chunk, newest, stats
            )
            for s in range(shard_count)
        ]
        merged = heapq.merge(*streams, key=lambda item: item["sk"], reverse=newest)
        wanted = skip + limit + 1
        items = [item for _, item in zip(range(wanted), merged, strict=False)]
        page_items = items[skip : skip + limit]
        return Page(
            records=[LogRecord.from_item(item) for item in page_items],
            has_more=len(items) == wanted,
            stats=stats,
        )

    def _shard_stream(
        self,
        pk: str,
        after_id: str | None,
        first_chunk: int,
        newest: bool,
        stats: ReadStats,
    ) -> Iterator[dict[str, Any]]:
        """Items of one shard in listing order, strictly after `after_id`: a first chunk
        of the shard's expected share of the page, then small refills for the shards
        that turn out to hold more."""
        condition = Key("pk").eq(pk)
        if after_id is not None:
            condition &= Key("sk").lt(after_id) if newest else Key("sk").gt(after_id)
        kwargs: dict[str, Any] = {
            "KeyConditionExpression": condition,
            "ScanIndexForward": not newest,
            "Limit": first_chunk,
        }
        while True:
            page = self._table.query(**kwargs)
            stats.calls += 1
            stats.items_read += page.get("ScannedCount", len(page["Items"]))
            yield from page["Items"]
            if "LastEvaluatedKey" not in page:
                return
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
            kwargs["Limit"] = max(2, first_chunk // 2)
