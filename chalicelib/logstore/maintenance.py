"""Changing stored logs: deleting them (their counts released in the same transaction,
as admission took them, logstore.admission), editing their feedback, score and
metadata, trimming a gateway's logs and purging them all.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from chalicelib import dynamo
from chalicelib.logstore.bodies import S3BodyStore
from chalicelib.logstore.ids import drops_pk
from chalicelib.logstore.intents import unlisting
from chalicelib.logstore.record import LogRecord
from chalicelib.logstore.record_item import record_from_item
from chalicelib.logstore.search import LogSearch, LogSearcher
from chalicelib.logstore.writes import Counters, StoredLog, delete_log

if TYPE_CHECKING:  # the boto3 type stubs are a development dependency only
    from mypy_boto3_dynamodb import DynamoDBClient

DELETE_CHUNK = 25
"""Deletions per transaction (each also updates two counters)."""

_MAX_ATTEMPTS = 12


class LogMaintenance:
    """Deletes, annotates, trims and purges the stored logs of one deployment."""

    def __init__(
        self,
        dynamodb: DynamoDBClient,
        logs_table: str,
        counters: Counters,
        bodies: S3BodyStore,
        searcher: LogSearcher,
    ) -> None:
        self._dynamodb = dynamodb
        self._table = logs_table
        self._counters = counters
        self._bodies = bodies
        self._searcher = searcher

    def delete(self, account_id: str, gateway_id: str, logs: Iterable[StoredLog]) -> int:
        """Delete logs (items, counts and bodies); return how many this call removed.

        Logs already gone are skipped, so a repeated or concurrent delete of the same
        logs removes and releases each of them exactly once. A log stored under a batch
        intent not yet settled leaves that intent with its count (see intents.unlisting).
        """
        pending = list(logs)
        removed: list[StoredLog] = []
        for start in range(0, len(pending), DELETE_CHUNK):
            chunk = pending[start : start + DELETE_CHUNK]
            while chunk:
                transaction = (
                    dynamo.Transaction()
                    .add("delete", *(delete_log(self._table, log) for log in chunk))
                    .add("release", *self._counters.release(account_id, gateway_id, len(chunk)))
                    .add("unlist", *unlisting(self._dynamodb, self._table, account_id, chunk))
                )
                failed = self._transact(transaction)
                if failed is None:
                    removed.extend(chunk)
                    break
                if failed.label == "delete":  # that one was already gone
                    chunk = chunk[: failed.offset] + chunk[failed.offset + 1 :]
        self._bodies.delete([log.body_key for log in removed if log.body_key])
        return len(removed)

    def annotate(
        self,
        log: StoredLog,
        feedback: int | None = None,
        score: float | None = None,
        metadata: dict[str, Any] | None = None,
        max_metadata: int = 5,
    ) -> LogRecord | None:
        """Set feedback and score and merge metadata into one log; None if it is gone.

        The merge is optimistic (conditional on the metadata read), so concurrent edits
        never lose each other's keys; ValueError when it would exceed `max_metadata`.
        """
        key = {"pk": log.pk, "sk": log.sk}
        for _ in range(_MAX_ATTEMPTS):
            item = self._dynamodb.get_item(
                TableName=self._table, Key=dynamo.attributes(key), ConsistentRead=True
            ).get("Item")
            if item is None:
                return None
            current = record_from_item(dynamo.python_values(item)).metadata
            merged = {**current, **(metadata or {})}
            if len(merged) > max_metadata:
                raise ValueError(f"metadata would have more than {max_metadata} entries")
            sets: list[str] = []
            values: dict[str, Any] = {}
            for name, value in (("feedback", feedback), ("score", score)):
                if value is not None:
                    sets.append(f"{name} = :{name}")
                    values[f":{name}"] = Decimal(str(value))
            condition = "attribute_exists(sk)"
            if metadata:
                sets.append("metadata = :merged")
                values[":merged"] = _to_decimals(merged)
                if current:
                    condition += " AND metadata = :current"
                    values[":current"] = _to_decimals(current)
                else:
                    condition += " AND attribute_not_exists(metadata)"
            if not sets:
                return record_from_item(dynamo.python_values(item))
            try:
                answer = self._dynamodb.update_item(
                    TableName=self._table,
                    Key=dynamo.attributes(key),
                    UpdateExpression="SET " + ", ".join(sets),
                    ConditionExpression=condition,
                    ExpressionAttributeValues=dynamo.attributes(values),
                    ReturnValues="ALL_NEW",
                )
            except self._dynamodb.exceptions.ConditionalCheckFailedException:
                continue  # edited (or deleted) meanwhile: read again
            return record_from_item(dynamo.python_values(answer["Attributes"]))
        raise RuntimeError(f"log {log.sk} kept changing under us")

    def trim(
        self, account_id: str, gateway_id: str, shard_count: int, count: int, newest: bool
    ) -> int:
        """Delete `count` logs from the newest (or the oldest) end; return how many went."""
        query = LogSearch(account_id, gateway_id, shard_count, descending=newest)
        removed = 0
        while removed < count:
            page = self._searcher.page(query, min(100, count - removed))
            if not page.records:
                break
            logs = [StoredLog.of(record, shard_count) for record in page.records]
            removed += self.delete(account_id, gateway_id, logs)
        return removed

    def purge(self, account_id: str, gateway_id: str, shard_count: int, deadline: float) -> bool:
        """Delete every log of a gateway, in bounded batches, until `deadline`
        (a time.monotonic() value); True once none is left. Safe to resume."""
        while time.monotonic() < deadline:
            oldest_first = LogSearch(account_id, gateway_id, shard_count, descending=False)
            page = self._searcher.page(oldest_first, 100)
            if not page.records:
                self._forget(drops_pk(account_id, gateway_id))
                return True
            logs = [StoredLog.of(record, shard_count) for record in page.records]
            self.delete(account_id, gateway_id, logs)
        return False

    def _forget(self, pk: str) -> None:
        """Delete every item of a gateway's side partition (its drop markers)."""
        found = dynamo.pages(
            self._dynamodb.query,
            TableName=self._table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues=dynamo.attributes({":pk": pk}),
            ProjectionExpression="pk, sk",
        )
        for page in found:
            dynamo.delete_keys(self._dynamodb, self._table, page["Items"], complete=True)

    def _transact(self, transaction: dynamo.Transaction) -> dynamo.Failure | None:
        return dynamo.transact(self._dynamodb, transaction)


def _to_decimals(values: dict[str, Any]) -> dict[str, Any]:
    return {k: Decimal(str(v)) if isinstance(v, float) else v for k, v in values.items()}
