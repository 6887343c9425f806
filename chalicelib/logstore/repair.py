"""Settle the intents whose messages never came back, so every count has its log.

A batch reservation counts its logs before it puts them (logstore.batch_admission). A crash
leaves its intent behind and the redelivered messages settle it; messages that never come
back (purged from the dead-letter queue, expired there) would leave their counts without
logs. The repair settles intents older than MIN_AGE_S, past the longest time SQS keeps a
message, so no delivery of theirs is due. For each log an intent still lists:

- stored under the intent: its count is right, the id leaves the intent;
- stored by another writer (so counted twice): its count and rollups are given back;
- not stored: its count is given back; its rollups stay, as they count the requests that
  went through (as they do for deleted logs).

Each give-back commits with the removal of its ids from the intent and a check that the
logs are still as seen, so it happens once whoever runs it, and a run cut short anywhere
is resumed by the next (the scheduled `repair_intents` runs daily, and
`python -m infra.repair_intents` on demand). Deleting a log also
takes its id out of a pending intent (LogMaintenance.delete), so a log that was stored and
then deleted is never given back twice. Intents written before intents named their logs'
gateways cannot be settled here; they are reported.

Limits: without --account, accounts are found by a Scan of the control table, whose cost
grows with it, and a run that ends at its budget starts over at the next. A message
re-driven to the queue after its intent was settled is stored and counted afresh (its
rollups then count it twice); one re-driven at the very moment the repair settles its
intent could be stored uncounted.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chalicelib import dynamo
from chalicelib.accounts.item_keys import ACCOUNT_SK
from chalicelib.logstore.ids import partition_key, shard_of
from chalicelib.logstore.intents import INTENT_ATTRIBUTE, Intent, intent_key, read_intents, unlist
from chalicelib.logstore.record_item import record_from_item
from chalicelib.logstore.writes import Counters, RollupActions

if TYPE_CHECKING:  # the boto3 type stubs are a development dependency only
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.service_resource import Table

MIN_AGE_S = 15 * 24 * 3600
"""SQS keeps a message at most 14 days: an intent a day older than that is abandoned."""

_CHUNK = 30
"""Logs per give-back: 30 checks, 30 rollup updates, 2 counters and the intent fit the
100 actions of a transaction."""


@dataclass
class RepairReport:
    """What one run did."""

    intents: int = 0
    """Abandoned intents settled."""
    kept: int = 0
    """Logs found stored under their intent (count right)."""
    given_back: int = 0
    """Counts given back (logs never stored, or stored by another writer)."""
    unsettled: int = 0
    """Abandoned intents left for the next run (changed meanwhile, or too old a format)."""


class IntentRepair:
    """Settles abandoned intents (see the module docstring)."""

    def __init__(
        self, dynamodb: DynamoDBClient, logs_table: str, counters: Counters, rollups: RollupActions
    ) -> None:
        self._dynamodb = dynamodb
        self._table = logs_table
        self._counters = counters
        self._rollups = rollups

    def repair(
        self, account_ids: Iterable[str], now: float, deadline: float, min_age_s: int = MIN_AGE_S
    ) -> RepairReport:
        """Settle the accounts' intents created before `now - min_age_s`, until
        `deadline` (a time.monotonic() value)."""
        report = RepairReport()
        for account_id in account_ids:
            if time.monotonic() >= deadline:
                return report
            for intent in read_intents(self._dynamodb, self._table, account_id):
                if time.monotonic() >= deadline:
                    return report
                if intent.created is not None and intent.created <= now - min_age_s:
                    self._settle(account_id, intent, report)
        return report

    def _settle(self, account_id: str, intent: Intent, report: RepairReport) -> None:
        owners = {log_id: intent.owner(log_id) for log_id in intent.ids}
        by_owner: dict[tuple[str, int], list[str]] = defaultdict(list)
        for log_id, owner in owners.items():
            if owner is None:
                report.unsettled += 1
                return
            by_owner[owner].append(log_id)
        key = intent_key(account_id, intent.token)
        for (gateway_id, shards), log_ids in by_owner.items():
            found = self._items(account_id, gateway_id, shards, log_ids)
            kept = [i for i in found if found[i].get(INTENT_ATTRIBUTE) == intent.token]
            if kept:
                try:
                    self._dynamodb.update_item(
                        TableName=self._table,
                        Key=dynamo.attributes(key),
                        UpdateExpression="DELETE ids :kept",
                        ConditionExpression="attribute_exists(sk)",
                        ExpressionAttributeValues=dynamo.attributes(
                            {":kept": intent.elements(kept)}
                        ),
                    )
                except self._dynamodb.exceptions.ConditionalCheckFailedException:
                    return  # settled meanwhile by another run
                report.kept += len(kept)
            rest = [i for i in log_ids if i not in kept]
            for start in range(0, len(rest), _CHUNK):
                chunk = rest[start : start + _CHUNK]
                if not self._give_back(account_id, gateway_id, shards, intent, chunk, found):
                    report.unsettled += 1
                    return
                report.given_back += len(chunk)
        self._dynamodb.delete_item(
            TableName=self._table,
            Key=dynamo.attributes(key),
            ConditionExpression="attribute_not_exists(ids)",
        )
        report.intents += 1

    def _give_back(
        self,
        account_id: str,
        gateway_id: str,
        shards: int,
        intent: Intent,
        log_ids: list[str],
        found: dict[str, dict[str, Any]],
    ) -> bool:
        """Give back the counts of `log_ids` (and the rollups of those stored by another
        writer), if each log is still as seen and still listed; False if not."""
        checks = []
        for log_id in log_ids:
            log_key = {"pk": _pk(account_id, gateway_id, shards, log_id), "sk": log_id}
            seen = "attribute_exists(sk)" if log_id in found else "attribute_not_exists(sk)"
            checks.append(dynamo.condition_check(self._table, log_key, seen))
        twice = [record_from_item(found[log_id]) for log_id in log_ids if log_id in found]
        transaction = (
            dynamo.Transaction()
            .add("unlist", unlist(self._table, account_id, intent, log_ids))
            .add("release", *self._counters.release(account_id, gateway_id, len(log_ids)))
            .add("rollup", *self._rollups.actions(twice, sign=-1))
            .add("seen", *checks)
        )
        failed = dynamo.transact(self._dynamodb, transaction)
        return failed is None

    def _items(
        self, account_id: str, gateway_id: str, shards: int, log_ids: list[str]
    ) -> dict[str, dict[str, Any]]:
        """The stored items of `log_ids` (Python values), by id (consistent reads)."""
        keys = [
            dynamo.attributes({"pk": _pk(account_id, gateway_id, shards, i), "sk": i})
            for i in log_ids
        ]
        found: dict[str, dict[str, Any]] = {}
        for item in dynamo.get_many(self._dynamodb, self._table, keys):
            values = dynamo.python_values(item)
            found[values["sk"]] = values
        return found


def account_ids(control_table: Table) -> Iterator[str]:
    """Every account of the control table (a Scan: its cost grows with the table)."""
    found = dynamo.items(
        control_table.scan,
        FilterExpression="sk = :account",
        ExpressionAttributeValues={":account": ACCOUNT_SK},
        ProjectionExpression="pk",
    )
    for item in found:
        yield item["pk"].split("#", 1)[1]


def _pk(account_id: str, gateway_id: str, shards: int, log_id: str) -> str:
    return partition_key(account_id, gateway_id, shard_of(log_id, shards))
