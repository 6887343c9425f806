"""What storing and deleting logs share: outcomes, policies, the keys of a stored log, and
the counter and rollup actions a write commits with (logstore.admission,
logstore.batch_admission, logstore.maintenance)."""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from chalicelib import dynamo
from chalicelib.logstore.ids import partition_key, shard_of
from chalicelib.logstore.record import LogRecord


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
"""Ids of an account's logs counted by unsettled batches (see logstore.batch_admission)."""


class RollupActions(Protocol):
    """Analytics rollups (see chalicelib.logstore.rollups.Rollups)."""

    def actions(self, records: Sequence[LogRecord], sign: int = 1) -> list[dict[str, Any]]: ...


class WriteOutcome(enum.Enum):
    """What became of a log handed to a sink or the admission."""

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


def delete_log(table: str, log: StoredLog) -> dict[str, Any]:
    """A transaction Delete of a stored log, conditional on its being there."""
    return dynamo.delete(table, {"pk": log.pk, "sk": log.sk}, "attribute_exists(sk)")
