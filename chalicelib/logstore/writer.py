"""Storing and deleting logs with their counts: each change commits with its counters.

A log item and the counter update that admits it go in one DynamoDB transaction, so a
reader never sees a log that is not counted, counts never exceed the caps, and a retried
write of the same id (conditional on the id being new) is a no-op. Deletions release
their counts in the same way. Batches from the log pipeline take a cheaper path with the
same guarantees once settled (logstore.batch_store); this writer is their fallback when a
gateway is full.
"""

from __future__ import annotations

import dataclasses
import enum
import random
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from chalicelib import dynamo
from chalicelib.logstore.bodies import S3BodyStore, StoredBodies, body_key
from chalicelib.logstore.ids import drops_pk, partition_key, shard_of
from chalicelib.logstore.intents import INTENT_ATTRIBUTE, read_intents, unlist
from chalicelib.logstore.item_limits import storable
from chalicelib.logstore.record import LogRecord
from chalicelib.logstore.record_item import record_from_item, record_item
from chalicelib.logstore.search import LogSearch, LogSearcher

DROP_MARKER_TTL_S = 7 * 24 * 3600
"""How long the id of a dropped log is remembered (so a retry is not counted again)."""

DELETE_CHUNK = 25
"""Deletions per transaction (each also updates two counters)."""

MAX_TRANSACTION_ACTIONS = 100
"""DynamoDB's cap on the actions of one TransactWriteItems."""

_MAX_ATTEMPTS = 12
_MAX_EVICTION_ATTEMPTS = 50


class Counters(Protocol):
    """Counter actions of the Account Manager (see chalicelib.accounts.quota.Quota)."""

    def admit(self, account_id: str, gateway_id: str, count: int) -> list[dict[str, Any]]: ...

    def admit_gateway(
        self, account_id: str, gateway_id: str, count: int, dropped: int | None = None
    ) -> dict[str, Any]: ...

    def admit_account(self, account_id: str, count: int) -> dict[str, Any]: ...

    def dropped(self, account_id: str, gateway_id: str) -> int | None: ...

    def release(self, account_id: str, gateway_id: str, count: int) -> list[dict[str, Any]]: ...

    def count_drop(
        self, account_id: str, gateway_id: str, version: int | None = None
    ) -> dict[str, Any]: ...

    def gateway_version(self, account_id: str, gateway_id: str) -> int | None: ...

    def evict_guard(self, account_id: str, gateway_id: str, version: int) -> dict[str, Any]: ...


Reserved = Callable[[str], set[str]]
"""Ids of an account's logs counted by unsettled batches (see logstore.batch_store)."""


class RollupActions(Protocol):
    """Analytics rollups (see chalicelib.logstore.rollups.Rollups)."""

    def actions(self, records: Sequence[LogRecord], sign: int = 1) -> list[dict[str, Any]]: ...


class WriteOutcome(enum.Enum):
    """What became of a log handed to a sink or the writer."""

    STORED = "stored"
    DUPLICATE = "duplicate"
    DROPPED = "dropped"
    QUEUED = "queued"
    FAILED = "failed"
    """Not stored: DynamoDB refused the item (the log pipeline dead-letters its message)."""


@dataclass(frozen=True)
class LogPolicy:
    """How a gateway stores logs: its shard count and what to do when it is full."""

    shard_count: int
    evict_oldest: bool


@dataclass(frozen=True)
class StoredLog:
    """The keys of a stored log, enough to delete it and its bodies."""

    pk: str
    sk: str
    body_key: str | None

    @classmethod
    def of(cls, record: LogRecord, shard_count: int) -> StoredLog:
        """The keys of a record read back from the gateway with `shard_count` shards."""
        shard = shard_of(record.id, shard_count)
        return cls(
            partition_key(record.account_id, record.gateway_id, shard),
            record.id,
            record.own_body_key,
        )


class LogWriter:
    """Admits, stores and deletes the logs of one deployment."""

    def __init__(
        self,
        dynamodb: Any,
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

    def store(
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

    def delete(self, account_id: str, gateway_id: str, logs: Iterable[StoredLog]) -> int:
        """Delete logs (items, counts and bodies); return how many this call removed.

        Logs already gone are skipped, so a repeated or concurrent delete of the same
        logs removes and releases each of them exactly once. A log stored under a batch
        intent not yet settled leaves that intent with its count (see `_unlisting`).
        """
        pending = list(logs)
        removed: list[StoredLog] = []
        for start in range(0, len(pending), DELETE_CHUNK):
            chunk = pending[start : start + DELETE_CHUNK]
            while chunk:
                transaction = (
                    dynamo.Transaction()
                    .add("delete", *(self._delete(log) for log in chunk))
                    .add("release", *self._counters.release(account_id, gateway_id, len(chunk)))
                    .add("unlist", *self._unlisting(account_id, chunk))
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
            sets, values = [], {}
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
            page = self._searcher.page(_oldest_first(account_id, gateway_id, shard_count), 100)
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
        oldest = self._searcher.page(
            _oldest_first(account_id, gateway_id, policy.shard_count), 1
        ).records
        if not oldest or oldest[0].id >= record.id:
            return self._drop(  # nothing to evict, or the new log is oldest
                record, version, policy.shard_count if reserved else None
            )
        victim = StoredLog.of(oldest[0], policy.shard_count)
        transaction = (
            dynamo.Transaction()
            .add("evict", self._delete(victim))
            .add("put", put)
            .add("version", self._counters.evict_guard(account_id, gateway_id, version))
            .add("rollup", *self._rollups.actions([record]))
            .add("not_dropped", *guard)
            .add("unlist", *self._unlisting(account_id, [victim]))
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

    def _unlisting(self, account_id: str, logs: Sequence[StoredLog]) -> list[dict[str, Any]]:
        """Updates taking `logs` out of the unsettled intents they were stored under: a
        deleted log's count is released with it, so its intent must no longer hold it
        (the repair gives back what an abandoned intent still holds, logstore.repair).
        Costs one Query, usually empty, and a read per log such an intent lists."""
        intents = read_intents(self._dynamodb, self._table, account_id)
        taken: dict[str, list[str]] = defaultdict(list)
        for log in logs:
            listing = {i.token: i for i in intents if log.sk in i.members}
            if listing and (token := self._intent_of(log)) in listing:
                taken[token].append(log.sk)
        by_token = {intent.token: intent for intent in intents}
        return [
            unlist(self._table, account_id, by_token[token], log_ids)
            for token, log_ids in taken.items()
        ]

    def _intent_of(self, log: StoredLog) -> str | None:
        """The intent a stored log was put under (None: direct write, or gone)."""
        item = self._dynamodb.get_item(
            TableName=self._table,
            Key=dynamo.attributes({"pk": log.pk, "sk": log.sk}),
            ProjectionExpression="#intent",
            ExpressionAttributeNames={"#intent": INTENT_ATTRIBUTE},
            ConsistentRead=True,
        ).get("Item", {})
        return item[INTENT_ATTRIBUTE]["S"] if INTENT_ATTRIBUTE in item else None

    def _put(self, item: dict[str, Any]) -> dict[str, Any]:
        return dynamo.put(self._table, item, "attribute_not_exists(sk)")

    def _delete(self, log: StoredLog) -> dict[str, Any]:
        return dynamo.delete(self._table, {"pk": log.pk, "sk": log.sk}, "attribute_exists(sk)")

    def _transact(self, transaction: dynamo.Transaction) -> dynamo.Failure | None:
        return dynamo.transact(self._dynamodb, transaction)


def _to_decimals(values: dict[str, Any]) -> dict[str, Any]:
    return {k: Decimal(str(v)) if isinstance(v, float) else v for k, v in values.items()}


def _pk(record: LogRecord, shard_count: int) -> str:
    return partition_key(record.account_id, record.gateway_id, shard_of(record.id, shard_count))


def _oldest_first(account_id: str, gateway_id: str, shard_count: int) -> LogSearch:
    return LogSearch(account_id, gateway_id, shard_count, descending=False)
