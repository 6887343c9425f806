"""The Account Manager's counters: conditional updates that admit, release and drop logs.

Each counted item (an account, a gateway) holds `stored_logs`, its cap `log_limit` and
`log_room = log_limit - stored_logs`, changed together in every update. DynamoDB cannot
add in a condition, so keeping the room as its own attribute turns "stored + n <= limit"
into `log_room >= :n`, checked atomically with the change and needing no prior read.
"No cap" is a cap too large to reach (UNLIMITED), so every item takes the same update.

The actions are in the low-level TransactItems format so that the log writer can put them
in the same transaction as the log items: a log and its count commit together or not at
all, and a retried write of the same id (whose put is conditional) never counts twice.

Hot key: the account item is one partition (1,000 write units/s). Every admission updates
it once, whatever the number of logs admitted, so direct writes cost one account write per
log (~500 logs/s per account with transactional writes), and batches of n logs cost one
account write per batch: with the log pipeline's batches of up to ~100 logs a busy account
stays under the ceiling up to ~50,000 logs/s. `bench/admission.py` prints these figures.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib import dynamo
from chalicelib.accounts.item_keys import account_key, gateway_key

if TYPE_CHECKING:  # the boto3 type stubs are a development dependency only
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef


class Quota:
    """Builds the counter actions of one deployment's control table.

    Every change to a gateway's set of logs (admission, eviction, deletion) also bumps
    the gateway's `version`, so that an eviction decided on a read of the oldest logs
    commits only if nothing changed since that read.
    """

    def __init__(self, control_table: str, dynamodb: DynamoDBClient) -> None:
        self.table = control_table
        self._dynamodb = dynamodb

    def gateway_version(self, account_id: str, gateway_id: str) -> int | None:
        """The gateway's current version (None when it is gone)."""
        item = self._gateway(account_id, gateway_id, "version")
        return int(item["version"]["N"]) if item else None

    def dropped(self, account_id: str, gateway_id: str) -> int | None:
        """How many logs the gateway ever dropped (None when it is gone or going)."""
        item = self._gateway(account_id, gateway_id, "dropped_logs, deleting")
        if item is None or "deleting" in item:
            return None
        return int(item.get("dropped_logs", {"N": "0"})["N"])

    def _gateway(
        self, account_id: str, gateway_id: str, projection: str
    ) -> dict[str, AttributeValueTypeDef] | None:
        """A consistent read of some attributes of the gateway item (wire format)."""
        return self._dynamodb.get_item(
            TableName=self.table,
            Key=dynamo.attributes(gateway_key(account_id, gateway_id)),
            ProjectionExpression=projection,
            ConsistentRead=True,
        ).get("Item")

    def admit(self, account_id: str, gateway_id: str, count: int) -> list[dict[str, Any]]:
        """Take `count` slots on the gateway and on the account, or fail the transaction.

        The gateway update also fails while the gateway is being deleted.
        """
        return [
            self.admit_gateway(account_id, gateway_id, count),
            self.admit_account(account_id, count),
        ]

    def admit_gateway(
        self, account_id: str, gateway_id: str, count: int, dropped: int | None = None
    ) -> dict[str, Any]:
        """Take `count` slots on the gateway (not while it is being deleted). With
        `dropped` (a batch reservation), only if the gateway's drop count is still that
        number, and bump its version, so that a drop decided on an older view of the
        batches in flight does not commit."""
        values: dict[str, Any] = {":n": count, ":minus_n": -count}
        expression = "ADD stored_logs :n, log_room :minus_n"
        condition = "attribute_not_exists(deleting) AND log_room >= :n"
        if dropped is not None:
            values.update({":dropped": dropped, ":one": 1})
            expression += ", version :one"
            condition += " AND " + (
                "(attribute_not_exists(dropped_logs) OR dropped_logs = :dropped)"
                if dropped == 0
                else "dropped_logs = :dropped"
            )
        return dynamo.update(
            self.table, gateway_key(account_id, gateway_id), expression, values, condition
        )

    def admit_account(self, account_id: str, count: int) -> dict[str, Any]:
        """Take `count` slots on the account."""
        return dynamo.update(
            self.table,
            account_key(account_id),
            "ADD stored_logs :n, log_room :minus_n",
            {":n": count, ":minus_n": -count},
            "log_room >= :n",
        )

    def release(self, account_id: str, gateway_id: str, count: int) -> list[dict[str, Any]]:
        """Give back `count` slots on the gateway and the account (logs deleted)."""
        values = {":n": count, ":minus_n": -count}
        expression = "ADD stored_logs :minus_n, log_room :n"
        return [
            dynamo.update(
                self.table,
                gateway_key(account_id, gateway_id),
                expression + ", version :one",
                {**values, ":one": 1},
            ),
            dynamo.update(self.table, account_key(account_id), expression, values),
        ]

    def count_drop(
        self, account_id: str, gateway_id: str, version: int | None = None
    ) -> dict[str, Any]:
        """Count one log that was not stored because the gateway or account was full;
        with `version`, only if the gateway's logs did not change since it was read."""
        values: dict[str, Any] = {":one": 1}
        condition = "attribute_exists(sk)"
        if version is not None:
            values[":version"] = version
            condition += " AND version = :version"
        return dynamo.update(
            self.table,
            gateway_key(account_id, gateway_id),
            "ADD dropped_logs :one",
            values,
            condition,
        )

    def evict_guard(self, account_id: str, gateway_id: str, version: int) -> dict[str, Any]:
        """Bump the gateway's version if it is still `version` and not being deleted."""
        return dynamo.update(
            self.table,
            gateway_key(account_id, gateway_id),
            "ADD version :one",
            {":one": 1, ":version": version},
            "attribute_not_exists(deleting) AND version = :version",
        )
