"""Admitting logs one at a time: each log commits with the counters that admit it.

A log item and the counter update that admits it go in one DynamoDB transaction, so a
reader never sees a log that is not counted, counts never exceed the caps, and a retried
write of the same id (conditional on the id being new) is a no-op. A full gateway evicts
its oldest log or drops the new one (counted once per id), by its policy. Batches from the
log pipeline take a cheaper path with the same guarantees once settled
(logstore.batch_admission); this admission is their fallback when a gateway is full.
"""

from __future__ import annotations

import dataclasses
import random
import time
from typing import TYPE_CHECKING, Any

from chalicelib import dynamo
from chalicelib.logstore.bodies import S3BodyStore, StoredBodies, body_key
from chalicelib.logstore.ids import drops_pk, partition_key, shard_of
from chalicelib.logstore.intents import unlisting
from chalicelib.logstore.item_limits import storable
from chalicelib.logstore.record import LogRecord
from chalicelib.logstore.record_item import record_item
from chalicelib.logstore.search import LogSearch, LogSearcher
from chalicelib.logstore.writes import (
    Counters,
    LogPolicy,
    Reserved,
    RollupActions,
    StoredLog,
    WriteOutcome,
    delete_log,
)

if TYPE_CHECKING:  # the boto3 type stubs are a development dependency only
    from mypy_boto3_dynamodb import DynamoDBClient

DROP_MARKER_TTL_S = 7 * 24 * 3600
"""How long the id of a dropped log is remembered (so a retry is not counted again)."""

_MAX_EVICTION_ATTEMPTS = 50


class LogAdmission:
    """Admits and stores the logs of one deployment, one at a time."""

    def __init__(
        self,
        dynamodb: DynamoDBClient,
        logs_table: str,
        counters: Counters,
        bodies: S3BodyStore,
        searcher: LogSearcher,
        rollups: RollupActions,
    ) -> None:
        self._dynamodb = dynamodb
        self._table = logs_table
        self._counters = counters
        self._bodies = bodies
        self._searcher = searcher
        self._rollups = rollups

    def admit(
        self,
        record: LogRecord,
        bodies: StoredBodies | None,
        policy: LogPolicy,
        reserved: Reserved | None = None,
    ) -> WriteOutcome:
        """Admit and store one log; when full, evict the oldest or drop, by policy.

        The record is first made storable (logstore.item_limits), so nothing is counted
        for an item DynamoDB would refuse. Bodies are put first, so a stored record never
        points at missing bodies; they are removed again when the log is dropped. With
        `reserved` (the log pipeline, where a log may be redelivered, or be counted by
        another delivery's batch), a log dropped before stays dropped, and a log that a
        batch has counted is not dropped: each log ends up stored or dropped, never both.
        """
        record = storable(record)
        if bodies is not None:
            key = body_key(record.account_id, record.gateway_id, record.id)
            record = dataclasses.replace(record, body_key=key)
            self._bodies.put(key, bodies)
        put = self._put(record_item(record, _pk(record, policy.shard_count)))
        rollup = self._rollups.actions([record])
        guard = [self._not_dropped(record)] if reserved else []
        for attempt in range(_MAX_EVICTION_ATTEMPTS):
            transaction = (
                dynamo.Transaction()
                .add("put", put)
                .add("admit", *self._counters.admit(record.account_id, record.gateway_id, 1))
                .add("rollup", *rollup)
                .add("not_dropped", *guard)
            )
            failed = self._transact(transaction)
            if failed is None:
                return WriteOutcome.STORED
            if failed.label == "put":
                return WriteOutcome.DUPLICATE
            if failed.label == "not_dropped":
                return WriteOutcome.DROPPED
            if not policy.evict_oldest:
                break
            outcome = self._evict_oldest_for(record, put, policy, guard, reserved)
            if outcome is not None:
                return outcome
            time.sleep(random.uniform(0, 0.002 * 2 ** min(attempt, 6)))  # contention: back off
        if reserved is None:
            return self._drop(record) or WriteOutcome.DROPPED
        for _ in range(_MAX_EVICTION_ATTEMPTS):
            version = self._counters.gateway_version(record.account_id, record.gateway_id)
            if record.id in reserved(record.account_id):
                return WriteOutcome.DUPLICATE  # counted by a batch, which will store it
            outcome = self._drop(record, version, policy.shard_count)
            if outcome is not None:
                return outcome
        raise RuntimeError(f"gateway of log {record.id} kept changing under us")

    def _not_dropped(self, record: LogRecord) -> dict[str, Any]:
        """A transaction check that `record` was never dropped."""
        key = {"pk": drops_pk(record.account_id, record.gateway_id), "sk": record.id}
        return dynamo.condition_check(self._table, key, "attribute_not_exists(sk)")

    def _evict_oldest_for(
        self,
        record: LogRecord,
        put: dict[str, Any],
        policy: LogPolicy,
        guard: list[dict[str, Any]],
        reserved: Reserved | None,
    ) -> WriteOutcome | None:
        """Replace the gateway's oldest log by `record`, or drop `record` if it is older
        than every log kept; None when the gateway changed meanwhile (try again).

        The oldest log is found by reading every shard, which is not one atomic read, so
        the decision commits only if the gateway's version is still the one read before.
        """
        account_id, gateway_id = record.account_id, record.gateway_id
        version = self._counters.gateway_version(account_id, gateway_id)
        if version is None:
            return self._drop(record)
        if reserved and record.id in reserved(account_id):
            return WriteOutcome.DUPLICATE  # counted by a batch, which will store it
        oldest_first = LogSearch(account_id, gateway_id, policy.shard_count, descending=False)
        oldest = self._searcher.page(oldest_first, 1).records
        if not oldest or oldest[0].id >= record.id:
            return self._drop(  # nothing to evict, or the new log is oldest
                record, version, policy.shard_count if reserved else None
            )
        victim = StoredLog.of(oldest[0], policy.shard_count)
        transaction = (
            dynamo.Transaction()
            .add("evict", delete_log(self._table, victim))
            .add("put", put)
            .add("version", self._counters.evict_guard(account_id, gateway_id, version))
            .add("rollup", *self._rollups.actions([record]))
            .add("not_dropped", *guard)
            .add("unlist", *unlisting(self._dynamodb, self._table, account_id, [victim]))
        )
        failed = self._transact(transaction)
        if failed is None:
            if victim.body_key:
                self._bodies.delete([victim.body_key])
            return WriteOutcome.STORED
        if failed.label == "put":
            return WriteOutcome.DUPLICATE
        if failed.label == "not_dropped":
            return WriteOutcome.DROPPED
        return None

    def _drop(
        self, record: LogRecord, version: int | None = None, shard_count: int | None = None
    ) -> WriteOutcome | None:
        """Count the log as dropped (once per id) and remove its bodies; with `version`,
        None if the gateway changed since that version was read. With `shard_count`, the
        drop also checks that no other delivery stored the log meanwhile (DUPLICATE)."""
        marker = {
            "pk": drops_pk(record.account_id, record.gateway_id),
            "sk": record.id,
            "expires_at": int(time.time()) + DROP_MARKER_TTL_S,
        }
        transaction = (
            dynamo.Transaction()
            .add("marker", self._put(marker))
            .add("count", self._counters.count_drop(record.account_id, record.gateway_id, version))
        )
        if shard_count is not None:
            key = {"pk": _pk(record, shard_count), "sk": record.id}
            check = dynamo.condition_check(self._table, key, "attribute_not_exists(sk)")
            transaction.add("not_stored", check)
        failed = self._transact(transaction)
        label = failed.label if failed else None
        if label == "count" and version is not None:
            return None
        if label == "not_stored":
            return WriteOutcome.DUPLICATE
        if record.own_body_key:
            self._bodies.delete([record.own_body_key])
        return WriteOutcome.DROPPED

    def _put(self, item: dict[str, Any]) -> dict[str, Any]:
        return dynamo.put(self._table, item, "attribute_not_exists(sk)")

    def _transact(self, transaction: dynamo.Transaction) -> dynamo.Failure | None:
        return dynamo.transact(self._dynamodb, transaction)


def _pk(record: LogRecord, shard_count: int) -> str:
    return partition_key(record.account_id, record.gateway_id, shard_of(record.id, shard_count))
