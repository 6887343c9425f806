"""Intent items: the logs a batch reservation counted and has not settled yet.

One item per reservation, in the account's intents partition of the `logs` table, keyed
by a random token. Its `ids` set lists the unsettled logs, each as its 16 ULID bytes and
a 2-byte index into `owners`, the (gateway, shard count) pairs of the batch: so whoever
settles an intent, a redelivery or the repair (logstore.repair), knows where each log
lives and whose count holds it. `created` (epoch seconds) dates the reservation. Intents
written before owners were recorded list bare ULIDs and have neither attribute.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ulid import ULID

from chalicelib import dynamo
from chalicelib.logstore.ids import intents_pk
from chalicelib.logstore.record import LogRecord
from chalicelib.logstore.writes import LogPolicy, StoredLog

if TYPE_CHECKING:  # the boto3 type stubs are a development dependency only
    from mypy_boto3_dynamodb import DynamoDBClient

INTENT_ATTRIBUTE = "intent"
"""Log item attribute naming the intent (batch) that stored it."""

Owner = tuple[str, int]
"""A gateway id and the shard count its logs were stored with."""


@dataclass(frozen=True)
class Intent:
    """Logs counted by a reservation and not yet settled."""

    token: str
    members: dict[str, bytes]
    """Each unsettled log id and its element in the item's `ids` set."""
    owners: tuple[Owner, ...] = ()
    created: int | None = None

    @property
    def ids(self) -> frozenset[str]:
        """The unsettled log ids."""
        return frozenset(self.members)

    def elements(self, log_ids: Sequence[str] | set[str] | frozenset[str]) -> set[bytes]:
        """The `ids` set elements of `log_ids`."""
        return {self.members[log_id] for log_id in log_ids}

    def owner(self, log_id: str) -> Owner | None:
        """Where the log lives and whose count holds it (None for an old intent)."""
        element = self.members[log_id]
        return self.owners[int.from_bytes(element[16:], "big")] if len(element) > 16 else None


def new_intent(entries: Sequence[tuple[LogRecord, LogPolicy]], now: int) -> Intent:
    """A fresh intent (random token) for the logs of `entries`, dated `now`."""
    owners: dict[Owner, int] = {}
    members: dict[str, bytes] = {}
    for record, policy in entries:
        index = owners.setdefault((record.gateway_id, policy.shard_count), len(owners))
        members[record.id] = ULID.from_str(record.id).bytes + index.to_bytes(2, "big")
    return Intent(secrets.token_hex(4), members, tuple(owners), now)


def intent_key(account_id: str, token: str) -> dict[str, str]:
    """The key of an intent item."""
    return {"pk": intents_pk(account_id), "sk": token}


def intent_item(account_id: str, intent: Intent) -> dict[str, Any]:
    """The item of a fresh intent."""
    return {
        **intent_key(account_id, intent.token),
        "ids": set(intent.members.values()),
        "owners": [[gateway, shards] for gateway, shards in intent.owners],
        "created": intent.created,
    }


def unlist(table: str, account_id: str, intent: Intent, log_ids: Sequence[str]) -> dict[str, Any]:
    """A transaction Update taking `log_ids` out of the intent, if all are still listed."""
    marks = {f":t{index}": intent.members[log_id] for index, log_id in enumerate(log_ids)}
    return dynamo.update(
        table,
        intent_key(account_id, intent.token),
        "DELETE ids :taken",
        {":taken": set(marks.values()), **marks},
        " AND ".join(f"contains(ids, {name})" for name in marks),
    )


def read_intents(dynamodb: DynamoDBClient, table: str, account_id: str) -> list[Intent]:
    """The account's unsettled intents (consistent, usually an empty Query)."""
    found = dynamo.items(
        dynamodb.query,
        TableName=table,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues=dynamo.attributes({":pk": intents_pk(account_id)}),
        ConsistentRead=True,
    )
    return [intent_of(item) for item in found]


def intent_of(item: dict[str, Any]) -> Intent:
    """An intent from its item (wire format); an item without `ids` has no members."""
    members = {str(ULID.from_bytes(raw[:16])): raw for raw in item.get("ids", {}).get("BS", [])}
    pairs = [owner["L"] for owner in item.get("owners", {}).get("L", [])]
    owners = tuple((gateway["S"], int(shards["N"])) for gateway, shards in pairs)
    created = int(item["created"]["N"]) if "created" in item else None
    return Intent(item["sk"]["S"], members, owners, created)


def unlisting(
    dynamodb: DynamoDBClient, table: str, account_id: str, logs: Sequence[StoredLog]
) -> list[dict[str, Any]]:
    """Updates taking `logs` out of the unsettled intents they were stored under: a
    deleted log's count is released with it, so its intent must no longer hold it
    (the repair gives back what an abandoned intent still holds, logstore.repair).
    Costs one Query, usually empty, and a read per log such an intent lists."""
    intents = read_intents(dynamodb, table, account_id)
    taken: dict[str, list[str]] = defaultdict(list)
    for log in logs:
        listing = {i.token: i for i in intents if log.sk in i.members}
        if listing and (token := _intent_of(dynamodb, table, log)) in listing:
            taken[token].append(log.sk)
    by_token = {intent.token: intent for intent in intents}
    return [unlist(table, account_id, by_token[token], log_ids) for token, log_ids in taken.items()]


def _intent_of(dynamodb: DynamoDBClient, table: str, log: StoredLog) -> str | None:
    """The intent a stored log was put under (None: direct write, or gone)."""
    item = dynamodb.get_item(
        TableName=table,
        Key=dynamo.attributes({"pk": log.pk, "sk": log.sk}),
        ProjectionExpression="#intent",
        ExpressionAttributeNames={"#intent": INTENT_ATTRIBUTE},
        ConsistentRead=True,
    ).get("Item", {})
    return item[INTENT_ATTRIBUTE]["S"] if INTENT_ATTRIBUTE in item else None
