"""Storing one gateway's batch of queued logs: reserve, put, settle.

A transaction per log costs 2 write units per item; this path costs about 1:

1. **Reserve**: one transaction writes an *intent* item (the batch's log ids, under a
   random token) beside the gateway and account counter updates (`log_room >= n`) and the
   rollup updates of the batch. Counts and rollups now include the batch, exactly once.
2. **Put**: each log is a plain conditional PutItem (1 WRU per KB, run on a few threads),
   tagged with the intent's token: `attribute_not_exists(sk) OR intent = :token`.
   BatchWriteItem cannot carry a condition, so it could neither tell a log that another
   delivery already stored nor spare a log edited since; a failed condition here says
   exactly that, at the same cost.
3. **Settle**: the intent is deleted. A log that another writer had already stored (a
   redelivery, or a duplicate delivery racing this one) was counted twice, so its count
   and rollup are given back in one transaction that also removes its id from the intent
   (conditional on the id still being there), so a give-back happens once.

A crash anywhere leaves the intent behind; the redelivered messages find their ids in it
(one Query per gateway and batch, usually empty) and resume under its token instead of
reserving again. A gateway without room for the whole batch, or being deleted, falls back
to the per-log path (eviction or a counted drop, see LogWriter.store). Each log ends up
stored or dropped, never both: a reservation fails once the gateway has dropped logs since
the batch looked (the drop markers of its logs are then read, and those logs stay
dropped), and a drop never commits for a log that an unsettled intent has counted.

Between steps 1 and 3 the counters include logs not yet visible: a reader may briefly see
fewer logs than counted, never more than the cap.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from ulid import ULID

from chalicelib import dynamo
from chalicelib.logstore.ids import intents_pk, partition_key, shard_of
from chalicelib.logstore.record import LogRecord
from chalicelib.logstore.writer import (
    MAX_TRANSACTION_ACTIONS,
    Counters,
    LogPolicy,
    LogWriter,
    RollupActions,
    WriteOutcome,
    transact,
)

INTENT_ATTRIBUTE = "intent"
"""Log item attribute naming the intent (batch) that stored it."""

MAX_INTENT_LOGS = 1000
"""Logs per intent: 16 bytes each keeps the intent item far below DynamoDB's 400 KB."""

_MAX_GIVE_BACK_ATTEMPTS = 5
_GIVE_BACK_CHUNK = 40
"""Give-backs per transaction: 40 conditions fit the expression limit (4 KB) and 40
rollup updates, 2 counters and the intent fit the 100 actions of a transaction."""

_RESERVE_FIXED_ACTIONS = 3
"""The intent put and the two counter updates of a reservation."""


@dataclass(frozen=True)
class Intent:
    """Logs counted by a reservation and not yet settled."""

    token: str
    ids: frozenset[str]


class BatchStore:
    """Stores the logs of one gateway in a batch (see the module docstring)."""

    def __init__(
        self,
        dynamodb: Any,
        logs_table: str,
        counters: Counters,
        rollups: RollupActions,
        fallback: LogWriter,
        put_threads: int = 8,
    ) -> None:
        self._dynamodb = dynamodb
        self._table = logs_table
        self._counters = counters
        self._rollups = rollups
        self._fallback = fallback
        self._put_threads = put_threads

    def store(self, records: Sequence[LogRecord], policy: LogPolicy) -> dict[str, WriteOutcome]:
        """Store logs of one gateway whose bodies are already in S3 (or absent); return
        the outcome per log id. Safe to repeat with any subset of the same logs."""
        unique = {record.id: record for record in records}
        if not unique:
            return {}
        first = next(iter(unique.values()))
        account_id, gateway_id = first.account_id, first.gateway_id
        work: list[tuple[Intent, list[LogRecord]]] = []
        listed: set[str] = set()
        for intent in self.intents(account_id, gateway_id):
            # A log listed by two intents (two deliveries reserved it at once) is settled
            # under each: stored under the first, given back by the others.
            resumed = [unique[log_id] for log_id in sorted(intent.ids & unique.keys())]
            if resumed:
                work.append((intent, resumed))
                listed.update(intent.ids)
        fresh = sorted((r for r in unique.values() if r.id not in listed), key=lambda r: r.id)
        outcomes: dict[str, WriteOutcome] = {}
        for chunk in self._reservation_chunks(fresh):
            intent = self._reserve(account_id, gateway_id, chunk)
            if intent is None:  # no room for all of them, or the gateway is going
                for record in chunk:
                    outcomes[record.id] = self._fallback.store(
                        record, None, policy, reserved=self._reserved
                    )
            else:
                work.append((intent, chunk))
        for intent, chunk in work:
            for log_id, outcome in self._put_and_settle(intent, chunk, policy).items():
                if outcomes.get(log_id) is not WriteOutcome.STORED:
                    outcomes[log_id] = outcome
        return outcomes

    def intents(self, account_id: str, gateway_id: str) -> list[Intent]:
        """The gateway's unsettled intents (one consistent Query, usually empty)."""
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": dynamo.attributes(
                {":pk": intents_pk(account_id, gateway_id)}
            ),
            "ConsistentRead": True,
        }
        found: list[Intent] = []
        while True:
            page = self._dynamodb.query(**kwargs)
            for item in page["Items"]:
                found.append(Intent(item["sk"]["S"], _ids_of(item)))
            if "LastEvaluatedKey" not in page:
                return found
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def _reserved(self, account_id: str, gateway_id: str) -> set[str]:
        """Ids counted by the gateway's unsettled intents."""
        return {log_id for intent in self.intents(account_id, gateway_id) for log_id in intent.ids}

    def _reservation_chunks(self, records: list[LogRecord]) -> Iterator[list[LogRecord]]:
        """Consecutive chunks whose rollup updates fit one reservation transaction."""
        start = 0
        while start < len(records):
            size = min(len(records) - start, MAX_INTENT_LOGS)
            while size > 1 and (
                len(self._rollups.actions(records[start : start + size]))
                > MAX_TRANSACTION_ACTIONS - _RESERVE_FIXED_ACTIONS
            ):
                size = max(1, size // 2)
            yield records[start : start + size]
            start += size

    def _reserve(self, account_id: str, gateway_id: str, records: list[LogRecord]) -> Intent | None:
        """Count `records` under a new intent; None when the gateway or account lacks room
        or the gateway is being deleted."""
        intent = Intent(secrets.token_hex(8), frozenset(record.id for record in records))
        item = {
            "pk": intents_pk(account_id, gateway_id),
            "sk": intent.token,
            "ids": _id_bytes(set(intent.ids)),
        }
        failed = transact(
            self._dynamodb,
            [
                dynamo.put(self._table, item, "attribute_not_exists(sk)"),
                *self._counters.admit(account_id, gateway_id, len(records)),
                *self._rollups.actions(records),
            ],
        )
        if failed is None:
            return intent
        if failed in (1, 2):
            return None
        raise RuntimeError(f"reservation failed on action {failed}")

    def _put_and_settle(
        self, intent: Intent, records: list[LogRecord], policy: LogPolicy
    ) -> dict[str, WriteOutcome]:
        """Put the logs under `intent`, then settle them (give back those stored by
        another writer)."""
        with ThreadPoolExecutor(max_workers=self._put_threads) as pool:
            stored = list(pool.map(lambda r: self._put(r, intent, policy), records))
        taken = [record for record, ok in zip(records, stored, strict=True) if not ok]
        self._settle(intent, records, taken)
        return {
            record.id: WriteOutcome.STORED if ok else WriteOutcome.DUPLICATE
            for record, ok in zip(records, stored, strict=True)
        }

    def _put(self, record: LogRecord, intent: Intent, policy: LogPolicy) -> bool:
        """Put one log tagged with the intent; False when another writer stored it."""
        pk = partition_key(
            record.account_id, record.gateway_id, shard_of(record.id, policy.shard_count)
        )
        item = {**record.to_item(pk), INTENT_ATTRIBUTE: intent.token}
        try:
            self._dynamodb.put_item(
                TableName=self._table,
                Item=dynamo.attributes(item),
                ConditionExpression="attribute_not_exists(sk) OR #intent = :token",
                ExpressionAttributeNames={"#intent": INTENT_ATTRIBUTE},
                ExpressionAttributeValues=dynamo.attributes({":token": intent.token}),
            )
        except self._dynamodb.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def _settle(self, intent: Intent, records: list[LogRecord], taken: list[LogRecord]) -> None:
        """Remove the settled ids from the intent (deleting it once empty); give back the
        count and rollups of `taken` logs exactly once."""
        first = records[0]
        account_id, gateway_id = first.account_id, first.gateway_id
        key = {"pk": intents_pk(account_id, gateway_id), "sk": intent.token}
        done = {record.id for record in records}
        if not taken and done == intent.ids:
            self._dynamodb.delete_item(TableName=self._table, Key=dynamo.attributes(key))
            return
        for start in range(0, len(taken), _GIVE_BACK_CHUNK):
            self._give_back(intent, key, taken[start : start + _GIVE_BACK_CHUNK])
        done -= {record.id for record in taken}
        if done:
            try:
                self._dynamodb.update_item(
                    TableName=self._table,
                    Key=dynamo.attributes(key),
                    UpdateExpression="DELETE ids :done",
                    ConditionExpression="attribute_exists(sk)",
                    ExpressionAttributeValues=dynamo.attributes({":done": _id_bytes(done)}),
                )
            except self._dynamodb.exceptions.ConditionalCheckFailedException:
                return  # settled and deleted by another delivery
        with contextlib.suppress(self._dynamodb.exceptions.ConditionalCheckFailedException):
            self._dynamodb.delete_item(  # fails while other logs of the intent are to come
                TableName=self._table,
                Key=dynamo.attributes(key),
                ConditionExpression="attribute_not_exists(ids)",
            )

    def _give_back(self, intent: Intent, key: dict[str, str], taken: list[LogRecord]) -> None:
        """Release the counts and rollups of `taken` logs still listed in the intent,
        removing them from it in the same transaction: once, whoever gets there first."""
        first = taken[0]
        for _ in range(_MAX_GIVE_BACK_ATTEMPTS):
            marks = {f":t{index}": ULID.from_str(r.id).bytes for index, r in enumerate(taken)}
            failed = transact(
                self._dynamodb,
                [
                    dynamo.update(
                        self._table,
                        key,
                        "DELETE ids :taken",
                        {":taken": set(marks.values()), **marks},
                        " AND ".join(f"contains(ids, {name})" for name in marks),
                    ),
                    *self._counters.release(first.account_id, first.gateway_id, len(taken)),
                    *self._rollups.actions(taken, sign=-1),
                ],
            )
            if failed is None:
                return
            listed = self._listed(key)  # another delivery gave some back: keep the rest
            taken = [record for record in taken if record.id in listed]
            if not taken:
                return
        raise RuntimeError(f"intent {intent.token} kept changing under us")

    def _listed(self, key: dict[str, str]) -> frozenset[str]:
        item = self._dynamodb.get_item(
            TableName=self._table, Key=dynamo.attributes(key), ConsistentRead=True
        ).get("Item", {})
        return _ids_of(item)


def _id_bytes(log_ids: set[str]) -> set[bytes]:
    return {ULID.from_str(log_id).bytes for log_id in log_ids}


def _ids_of(item: dict[str, Any]) -> frozenset[str]:
    """The log ids listed in an intent item (wire format)."""
    return frozenset(str(ULID.from_bytes(raw)) for raw in item.get("ids", {}).get("BS", []))
