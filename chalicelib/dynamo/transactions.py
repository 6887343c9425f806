"""TransactWriteItems with a label per action, and the label of the action that failed."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:  # the boto3 type stubs are a development dependency only
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

ATTEMPTS = 12
"""Calls of a transaction that keeps conflicting with concurrent ones, before giving up."""


def cancellation_codes(exc: Exception) -> list[str]:
    """The per-action codes of a TransactionCanceledException ("None" for actions that passed)."""
    reasons = getattr(exc, "response", {}).get("CancellationReasons", [])
    return [reason.get("Code", "None") for reason in reasons]


def failed_condition(exc: Exception) -> int | None:
    """Index of the first action whose condition failed, or None if none did."""
    codes = cancellation_codes(exc)
    return codes.index("ConditionalCheckFailed") if "ConditionalCheckFailed" in codes else None


@dataclass(frozen=True)
class Failure:
    """The action whose condition cancelled a transaction."""

    label: str
    offset: int
    """Its position among the actions added under `label` (0 for the first)."""
    index: int
    """Its position in the transaction."""


@dataclass
class Transaction:
    """TransactWriteItems actions (see dynamo.actions), each with a label naming its role."""

    actions: list[dict[str, Any]] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)

    def add(self, label: str, *actions: dict[str, Any]) -> Transaction:
        """Append `actions` (none is fine) under `label`; returns the transaction."""
        self.actions.extend(actions)
        self.labels.extend(label for _ in actions)
        return self

    def __len__(self) -> int:
        return len(self.actions)

    def failure(self, exc: Exception) -> Failure | None:
        """The first action whose condition failed in a TransactionCanceledException of
        this transaction, or None if no condition failed."""
        index = failed_condition(exc)
        if index is None:
            return None
        label = self.labels[index]
        return Failure(label, self.labels[:index].count(label), index)


def transact(
    dynamodb: DynamoDBClient,
    transaction: Transaction,
    *,
    attempts: int = ATTEMPTS,
    sleep: Callable[[float], None] | None = None,
) -> Failure | None:
    """Run a transaction (low-level client); None on success, else the action whose
    condition failed. Conflicts with concurrent transactions are retried, sleeping 5 ms,
    doubling, after each; other cancellations propagate, as does a transaction still
    conflicting after `attempts` calls (RuntimeError)."""
    for attempt in range(attempts):
        try:
            # the actions are built in this shape by chalicelib.dynamo.actions
            items = cast("list[TransactWriteItemTypeDef]", transaction.actions)
            dynamodb.transact_write_items(TransactItems=items)
            return None
        except dynamodb.exceptions.TransactionCanceledException as exc:
            failure = transaction.failure(exc)
            if failure is not None:
                return failure
            codes = cancellation_codes(exc)
            if not codes or any(c not in ("None", "TransactionConflict") for c in codes):
                raise
            (sleep or time.sleep)(0.005 * 2**attempt)
    raise RuntimeError("transaction kept conflicting with concurrent writes")
