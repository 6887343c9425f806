"""Where finished log records go: the `LogSink` interface and its direct implementation."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any, Protocol

from chalicelib.logstore.bodies import S3BodyStore, StoredBodies, body_key
from chalicelib.logstore.ids import partition_key, shard_of
from chalicelib.logstore.record import LogRecord


@dataclass
class LogEntry:
    """A finished record, its bodies (None when payload collection is off), its shard count."""

    record: LogRecord
    bodies: StoredBodies | None
    shard_count: int


class LogSink(Protocol):
    """Accepts finished log entries; implementations decide when they are stored."""

    def write(self, entry: LogEntry) -> None:
        """Store (or enqueue for storing) one log entry."""


class DirectLogSink:
    """Writes each entry before returning: bodies to S3 first, then the item.

    Bodies go first so that a record never points at missing bodies; the item put is
    conditional on the id being new, so a retried write never stores a log twice.
    """

    def __init__(self, logs_table: Any, bodies: S3BodyStore) -> None:
        self._table = logs_table
        self._bodies = bodies

    def write(self, entry: LogEntry) -> None:
        """Store one log entry now."""
        record = entry.record
        if entry.bodies is not None:
            record.body_key = body_key(record.account_id, record.gateway_id, record.id)
            self._bodies.put(record.body_key, entry.bodies)
        shard = shard_of(record.id, entry.shard_count)
        pk = partition_key(record.account_id, record.gateway_id, shard)
        already_stored = self._table.meta.client.exceptions.ConditionalCheckFailedException
        with contextlib.suppress(already_stored):  # an earlier attempt of this same write
            self._table.put_item(
                Item=record.to_item(pk), ConditionExpression="attribute_not_exists(sk)"
            )
