"""Reading one log back by id, and the work counter every read shares.

Lists (any order, any filter) are chalicelib.logstore.search: one k-way merge over the
gateway's shards serves the logs API, trimming, purging and eviction alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from chalicelib.logstore.ids import partition_key, shard_of
from chalicelib.logstore.record import LogRecord
from chalicelib.logstore.record_item import record_from_item

if TYPE_CHECKING:  # the boto3 type stubs are a development dependency only
    from mypy_boto3_dynamodb.service_resource import Table


@dataclass
class ReadStats:
    """Work done by a read: DynamoDB calls and items read (ScannedCount)."""

    calls: int = 0
    items_read: int = 0


class LogReader:
    """Reads single logs of the `logs` table."""

    def __init__(self, logs_table: Table) -> None:
        self._table = logs_table

    def get(
        self, account_id: str, gateway_id: str, log_id: str, shard_count: int
    ) -> LogRecord | None:
        """Return one log by id, or None."""
        pk = partition_key(account_id, gateway_id, shard_of(log_id, shard_count))
        item = self._table.get_item(Key={"pk": pk, "sk": log_id}).get("Item")
        return record_from_item(item) if item else None
