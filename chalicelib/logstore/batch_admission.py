"""Storing one account's batch of queued logs: reserve, put, settle.

A transaction per log costs 2 write units per item; this path costs about 1:

Before anything is counted each record is made storable (logstore.item_limits) and its
item built, so a log whose item cannot be built fails alone and is never counted.

1. **Reserve**: one transaction writes an *intent* item (the batch's log ids, under a
   random token; see logstore.intents) beside one counter update per gateway
   (`log_room >= n`), one for the account and the rollup updates of the batch. Counts
   and rollups now include the batch, exactly once.
2. **Put**: each log is a plain conditional PutItem (1 WRU per KB, run on a few threads),
   tagged with the intent's token: `attribute_not_exists(sk) OR intent = :token`.
   BatchWriteItem cannot carry a condition, so it could neither tell a log that another
   delivery already stored nor spare a log edited since; a failed condition here says
   exactly that, at the same cost.
3. **Settle**: the intent is deleted. A log that another writer had already stored (a
   redelivery, or a duplicate delivery racing this one) was counted twice, so its count
   and rollup are given back in one transaction that also removes its id from the intent
   (conditional on the id still being there), so a give-back happens once. A log that
   DynamoDB refused to put (a ValidationException, which any delivery would meet) is
   given back alike and reported FAILED: its message alone is retried and dead-lettered.

A crash anywhere leaves the intent behind; the redelivered messages find their ids in it
(one Query per account and batch, usually empty) and resume under its token instead of
reserving again. A log listed by two intents (two deliveries reserved it at once) is
settled under each: stored under one, given back by the other. An intent whose messages
never come back (purged from the dead-letter queue) is settled by logstore.repair.

A gateway without room for its part of the batch, or being deleted, falls back to the
per-log path (eviction or a counted drop, see LogAdmission.admit). Each log ends up stored
or dropped, never both: a reservation fails once its gateway has dropped logs since the
batch looked (the drop markers of its logs are then read, and those logs stay dropped),
and a drop never commits for a log that an unsettled intent has counted.

Between steps 1 and 3 the counters include logs not yet visible: a reader may briefly see
fewer logs than counted, never more than the cap.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections import defaultdict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from chalicelib import dynamo
from chalicelib.logstore.admission import LogAdmission
from chalicelib.logstore.ids import drops_pk, partition_key, shard_of
from chalicelib.logstore.intents import (
    INTENT_ATTRIBUTE,
    Intent,
    intent_item,
    intent_key,
    intent_of,
    new_intent,
    read_intents,
    unlist,
)
from chalicelib.logstore.item_limits import storable
from chalicelib.logstore.record import LogRecord
from chalicelib.logstore.record_item import record_item
from chalicelib.logstore.writes import (
    Counters,
    LogPolicy,
    RollupActions,
    WriteOutcome,
)

if TYPE_CHECKING:  # the boto3 type stubs are a development dependency only
    from mypy_boto3_dynamodb import DynamoDBClient

MAX_TRANSACTION_ACTIONS = 100
"""DynamoDB's cap on the actions of one TransactWriteItems."""
MAX_INTENT_LOGS = 1000
"""Logs per intent: 18 bytes each keeps the intent item far below DynamoDB's 400 KB."""

_MAX_RESERVE_ATTEMPTS = 5
_MAX_GIVE_BACK_ATTEMPTS = 5
_GIVE_BACK_CHUNK = 40
"""Give-backs per transaction: 40 conditions fit the expression limit (4 KB) and 40
rollup updates, 2 counters and the intent fit the 100 actions of a transaction."""

_ACCOUNT = ""
"""Stands for the account counter when a reservation names what refused it."""

Entry = tuple[LogRecord, LogPolicy]

logger = logging.getLogger(__name__)


class BatchAdmission:
    """Stores the logs of one account in a batch (see the module docstring)."""

    def __init__(
        self,
        dynamodb: DynamoDBClient,
        logs_table: str,
        counters: Counters,
        rollups: RollupActions,
        fallback: LogAdmission,
        put_threads: int = 8,
    ) -> None:
        self._dynamodb = dynamodb
        self._table = logs_table
        self._counters = counters
        self._rollups = rollups
        self._fallback = fallback
        self._put_threads = put_threads

    def admit_batch(self, entries: Sequence[Entry]) -> dict[str, WriteOutcome]:
        """Store logs of one account (any of its gateways) whose bodies are already in S3
        (or absent); return the outcome per log id. Safe to repeat with any subset."""
        unique = {record.id: (storable(record), policy) for record, policy in entries}
        if not unique:
            return {}
        account_id = next(iter(unique.values()))[0].account_id
        if any(record.account_id != account_id for record, _ in unique.values()):
            raise ValueError("a batch admission takes the logs of one account")
        outcomes: dict[str, WriteOutcome] = {}
        items = self._items(unique, outcomes)
        work: list[tuple[Intent, list[Entry]]] = []
        listed: set[str] = set()
        for intent in self.intents(account_id):
            resumed = [unique[log_id] for log_id in sorted(intent.ids & unique.keys())]
            if resumed:
                work.append((intent, resumed))
                listed.update(intent.ids)
        fresh: dict[str, list[Entry]] = defaultdict(list)
        for log_id in sorted(unique.keys() - listed):
            fresh[unique[log_id][0].gateway_id].append(unique[log_id])
        work += self._reserve_all(account_id, fresh, outcomes)
        put = self._put_all(work, items)
        for intent, chunk in work:
            self._settle(intent, chunk, put)
        for intent, chunk in work:
            for record, _ in chunk:
                if outcomes.get(record.id) is not WriteOutcome.STORED:
                    outcomes[record.id] = put[(intent.token, record.id)]
        return outcomes

    def _items(
        self, unique: dict[str, Entry], outcomes: dict[str, WriteOutcome]
    ) -> dict[str, dict[str, Any]]:
        """Each log's item (wire format), built before anything is counted; a log whose
        item cannot be built is FAILED and left out of `unique`."""
        items: dict[str, dict[str, Any]] = {}
        for log_id, (record, policy) in list(unique.items()):
            try:
                items[log_id] = dynamo.attributes(record_item(record, _pk(record, policy)))
            except (TypeError, ValueError, ArithmeticError, RecursionError):
                logger.exception("log %s cannot be stored", log_id)
                outcomes[log_id] = WriteOutcome.FAILED
                del unique[log_id]
        return items

    def intents(self, account_id: str) -> list[Intent]:
        """The account's unsettled intents (one consistent Query, usually empty)."""
        return read_intents(self._dynamodb, self._table, account_id)

    def reserved(self, account_id: str) -> set[str]:
        """Ids counted by the account's unsettled intents."""
        return {log_id for intent in self.intents(account_id) for log_id in intent.ids}

    # --- reserve ------------------------------------------------------------------------

    def _reserve_all(
        self,
        account_id: str,
        fresh: dict[str, list[Entry]],
        outcomes: dict[str, WriteOutcome],
    ) -> list[tuple[Intent, list[Entry]]]:
        """Reserve every gateway's fresh logs, as few transactions as fit; a gateway that
        refuses (full, going, or it dropped logs since) is dealt with alone."""
        reserved: list[tuple[Intent, list[Entry]]] = []
        dropped = dict.fromkeys(fresh, 0)
        tries = dict.fromkeys(fresh, 0)
        while fresh:
            chunk = self._fitting(fresh)
            intent, refused = self._reserve(account_id, chunk, dropped)
            if intent is not None:
                reserved.append((intent, [e for gateway in chunk for e in chunk[gateway]]))
                for gateway, entries in chunk.items():
                    fresh[gateway] = fresh[gateway][len(entries) :]
                    if not fresh[gateway]:
                        del fresh[gateway]
                continue
            if refused == _ACCOUNT:  # the account is full: one by one, by policy
                for gateway in chunk:
                    self._one_by_one(fresh.pop(gateway), outcomes)
                continue
            now = self._counters.dropped(account_id, refused)
            tries[refused] += 1
            if now is None or now == dropped[refused] or tries[refused] >= _MAX_RESERVE_ATTEMPTS:
                self._one_by_one(fresh.pop(refused), outcomes)  # full or going
                continue
            dropped[refused] = now  # it dropped logs: leave out those of this batch
            already = self._dropped_ids(account_id, refused, fresh[refused])
            outcomes.update((log_id, WriteOutcome.DROPPED) for log_id in already)
            fresh[refused] = [e for e in fresh[refused] if e[0].id not in already]
            if not fresh[refused]:
                del fresh[refused]
        return reserved

    def _one_by_one(self, entries: list[Entry], outcomes: dict[str, WriteOutcome]) -> None:
        """The per-log path: eviction or a counted drop, by the gateway's policy."""
        for record, policy in entries:
            outcomes[record.id] = self._fallback.admit(record, None, policy, reserved=self.reserved)

    def _fitting(self, fresh: dict[str, list[Entry]]) -> dict[str, list[Entry]]:
        """The first gateways' logs whose reservation fits one transaction: whole
        gateways, or the first logs of one gateway too big for one."""
        chunk: dict[str, list[Entry]] = {}
        records: list[LogRecord] = []
        for gateway, entries in fresh.items():
            more = records + [record for record, _ in entries]
            if len(more) > MAX_INTENT_LOGS or _actions(len(chunk) + 1, self._rollups, more):
                break
            chunk[gateway], records = entries, more
        if chunk:
            return chunk
        gateway, entries = next(iter(fresh.items()))
        size = min(len(entries), MAX_INTENT_LOGS)
        while size > 1 and _actions(1, self._rollups, [r for r, _ in entries[:size]]):
            size = max(1, size // 2)
        return {gateway: entries[:size]}

    def _reserve(
        self, account_id: str, chunk: dict[str, list[Entry]], dropped: dict[str, int]
    ) -> tuple[Intent | None, str]:
        """Count the chunk under a new intent, if each gateway's drop count is still the
        one in `dropped`. Returns the intent, or None and the gateway that refused (or
        _ACCOUNT when the account lacks room)."""
        entries = [entry for gateway_entries in chunk.values() for entry in gateway_entries]
        records = [record for record, _ in entries]
        intent = new_intent(entries, int(time.time()))
        item = intent_item(account_id, intent)
        gateways = list(chunk)
        transaction = (
            dynamo.Transaction()
            .add("intent", dynamo.put(self._table, item, "attribute_not_exists(sk)"))
            .add(
                "gateway",
                *(
                    self._counters.admit_gateway(
                        account_id, gateway, len(chunk[gateway]), dropped[gateway]
                    )
                    for gateway in gateways
                ),
            )
            .add("account", self._counters.admit_account(account_id, len(records)))
            .add("rollup", *self._rollups.actions(records))
        )
        failed = dynamo.transact(self._dynamodb, transaction)
        if failed is None:
            return intent, _ACCOUNT
        if failed.label == "gateway":
            return None, gateways[failed.offset]
        if failed.label == "account":
            return None, _ACCOUNT
        raise RuntimeError(f"reservation failed on action {failed.index}")

    def _dropped_ids(self, account_id: str, gateway_id: str, entries: list[Entry]) -> set[str]:
        """Ids among `entries` that were dropped before (consistent BatchGetItem)."""
        pk = drops_pk(account_id, gateway_id)
        keys = [dynamo.attributes({"pk": pk, "sk": record.id}) for record, _ in entries]
        found = dynamo.get_many(self._dynamodb, self._table, keys, projection="sk")
        return {item["sk"]["S"] for item in found}

    # --- put ----------------------------------------------------------------------------

    def _put_all(
        self, work: list[tuple[Intent, list[Entry]]], items: dict[str, dict[str, Any]]
    ) -> dict[tuple[str, str], WriteOutcome]:
        """Put every log under its intent; (token, id) -> STORED, DUPLICATE when another
        writer had stored that log, FAILED when DynamoDB refused the item."""
        jobs = [(intent.token, record.id) for intent, chunk in work for record, _ in chunk]
        with ThreadPoolExecutor(max_workers=self._put_threads) as pool:
            results = list(pool.map(lambda job: self._put(job[0], items[job[1]]), jobs))
        return dict(zip(jobs, results, strict=True))

    def _put(self, token: str, item: dict[str, Any]) -> WriteOutcome:
        try:
            self._dynamodb.put_item(
                TableName=self._table,
                Item={**item, **dynamo.attributes({INTENT_ATTRIBUTE: token})},
                ConditionExpression="attribute_not_exists(sk) OR #intent = :token",
                ExpressionAttributeNames={"#intent": INTENT_ATTRIBUTE},
                ExpressionAttributeValues=dynamo.attributes({":token": token}),
            )
        except self._dynamodb.exceptions.ConditionalCheckFailedException:
            return WriteOutcome.DUPLICATE
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ValidationException":
                raise  # an outage: the intent keeps the log for the redelivery
            logger.error("log %s refused by DynamoDB: %s", item["sk"]["S"], exc)
            return WriteOutcome.FAILED  # refused whoever tries: its count is given back
        return WriteOutcome.STORED

    # --- settle -------------------------------------------------------------------------

    def _settle(
        self, intent: Intent, chunk: list[Entry], put: dict[tuple[str, str], WriteOutcome]
    ) -> None:
        """Remove the settled ids from the intent (deleting it once empty); give back the
        count and rollups of logs another writer had stored, or DynamoDB refused, once."""
        key = intent_key(chunk[0][0].account_id, intent.token)
        done = {record.id for record, _ in chunk}
        taken: dict[str, list[LogRecord]] = defaultdict(list)
        for record, _ in chunk:
            if put[(intent.token, record.id)] is not WriteOutcome.STORED:
                taken[record.gateway_id].append(record)
        if not taken and done == intent.ids:
            self._dynamodb.delete_item(TableName=self._table, Key=dynamo.attributes(key))
            return
        for records in taken.values():
            for start in range(0, len(records), _GIVE_BACK_CHUNK):
                self._give_back(intent, key, records[start : start + _GIVE_BACK_CHUNK])
            done -= {record.id for record in records}
        if done:
            try:
                self._dynamodb.update_item(
                    TableName=self._table,
                    Key=dynamo.attributes(key),
                    UpdateExpression="DELETE ids :done",
                    ConditionExpression="attribute_exists(sk)",
                    ExpressionAttributeValues=dynamo.attributes({":done": intent.elements(done)}),
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
        """Release the counts and rollups of `taken` logs (one gateway's) still listed in
        the intent, removing them from it in the same transaction: once, whoever gets
        there first."""
        first = taken[0]
        for _ in range(_MAX_GIVE_BACK_ATTEMPTS):
            transaction = (
                dynamo.Transaction()
                .add("unlist", unlist(self._table, first.account_id, intent, [r.id for r in taken]))
                .add(
                    "release",
                    *self._counters.release(first.account_id, first.gateway_id, len(taken)),
                )
                .add("rollup", *self._rollups.actions(taken, sign=-1))
            )
            failed = dynamo.transact(self._dynamodb, transaction)
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
        ).get("Item")
        return intent_of(item).ids if item else frozenset()


def _pk(record: LogRecord, policy: LogPolicy) -> str:
    return partition_key(
        record.account_id, record.gateway_id, shard_of(record.id, policy.shard_count)
    )


def _actions(gateways: int, rollups: RollupActions, records: list[LogRecord]) -> bool:
    """True when a reservation of `records` over `gateways` would not fit a transaction
    (the intent, a counter per gateway, the account's, a rollup update per group)."""
    return 2 + gateways + len(rollups.actions(records)) > MAX_TRANSACTION_ACTIONS
