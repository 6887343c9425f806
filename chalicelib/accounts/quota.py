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

from typing import Any

from chalicelib import dynamo
from chalicelib.accounts.keys import account_key, gateway_key


class Quota:
    """Builds the counter actions of one deployment's control table."""

    def __init__(self, control_table: str) -> None:
        self.table = control_table

    def admit(self, account_id: str, gateway_id: str, count: int) -> list[dict[str, Any]]:
        """Take `count` slots on the gateway and on the account, or fail the transaction.

        The gateway update also fails while the gateway is being deleted.
        """
        values = {":n": count, ":minus_n": -count}
        expression = "ADD stored_logs :n, log_room :minus_n"
        return [
            dynamo.update(
                self.table,
                gateway_key(account_id, gateway_id),
                expression,
                values,
                "attribute_not_exists(deleting) AND log_room >= :n",
            ),
            dynamo.update(
                self.table, account_key(account_id), expression, values, "log_room >= :n"
            ),
        ]

    def release(self, account_id: str, gateway_id: str, count: int) -> list[dict[str, Any]]:
        """Give back `count` slots on the gateway and the account (logs deleted)."""
        values = {":n": count, ":minus_n": -count}
        expression = "ADD stored_logs :minus_n, log_room :n"
        return [
            dynamo.update(self.table, gateway_key(account_id, gateway_id), expression, values),
            dynamo.update(self.table, account_key(account_id), expression, values),
        ]

    def count_drop(self, account_id: str, gateway_id: str) -> dict[str, Any]:
        """Count one log that was not stored because the gateway or account was full."""
        return dynamo.update(
            self.table,
            gateway_key(account_id, gateway_id),
            "ADD dropped_logs :one",
            {":one": 1},
            "attribute_exists(sk)",
        )

    def gateway_open(self, account_id: str, gateway_id: str) -> dict[str, Any]:
        """A check that the gateway exists and is not being deleted."""
        return dynamo.condition_check(
            self.table,
            gateway_key(account_id, gateway_id),
            "attribute_exists(sk) AND attribute_not_exists(deleting)",
        )
