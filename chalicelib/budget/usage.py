"""Usage against each rule, for the management API, and forgetting a gateway's counters."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

from chalicelib import dynamo
from chalicelib.budget import items
from chalicelib.budget.ledger import LEASE_S, SKEW_S
from chalicelib.budget.rules import Rule
from chalicelib.timestamps import iso_utc

if TYPE_CHECKING:  # the boto3 type stubs are a development dependency only
    from mypy_boto3_dynamodb import DynamoDBClient

MAX_BUCKETS = 100
"""Buckets shown per rule (a partitioned rule may have many); `truncated` says more exist."""
FORGET_MAX_ITEMS = 500


def usage(
    client: DynamoDBClient,
    table: str,
    pk: str,
    rules: list[Rule],
    now: float,
    lease_s: int = LEASE_S,
) -> list[dict[str, Any]]:
    """Per rule: its limit, window and each bucket's spent, reserved and remaining amounts
    (USD for cost rules, tokens for token rules), at `now`. One Query per rule."""
    query = cast("Callable[..., dict[str, Any]]", client.query)
    shown = []
    for rule in rules:
        window = rule.window
        prefix = items.counter_sk(rule.key, window.tag(now), "")
        answer = query(
            TableName=table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
            ExpressionAttributeValues={":pk": {"S": pk}, ":prefix": {"S": prefix}},
            ConsistentRead=True,
            Limit=MAX_BUCKETS,
        )
        buckets = []
        for item in answer.get("Items", []):
            spent = sum(
                v
                for k, v in items.numbered(item, items.BIN_PREFIX).items()
                if k >= window.oldest_bin(now)
            )
            live_from = now - lease_s - SKEW_S
            reserved = sum(
                v
                for e, v in items.numbered(item, items.SLOT_PREFIX).items()
                if (e + 1) * items.EPOCH_S >= live_from
            )
            scope = dynamo.python_values(item.get(items.SCOPE, {"M": {}})["M"])
            buckets.append(
                {
                    "scope": scope,
                    "spent": rule.show(spent),
                    "reserved": rule.show(reserved),
                    "remaining": rule.show(max(0, rule.limit - spent - reserved)),
                }
            )
        shown.append(
            {
                "rule": rule.label,
                "limitType": rule.unit,
                "limit": rule.show(rule.limit),
                "window": {
                    "kind": window.kind,
                    "seconds": window.seconds,
                    "start": _iso(window.start(now)),
                    "resets": _iso(window.end(now)),
                },
                "buckets": buckets,
                "truncated": "LastEvaluatedKey" in answer,
            }
        )
    return shown


def forget(client: DynamoDBClient, table: str, pk: str, max_items: int = FORGET_MAX_ITEMS) -> int:
    """Delete up to `max_items` counters of a gateway (TTL removes any rest)."""
    query = cast("Callable[..., dict[str, Any]]", client.query)
    keys: list[dict[str, Any]] = []
    for page in dynamo.pages(
        query,
        limit=lambda: max_items - len(keys),
        TableName=table,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": pk}},
        ProjectionExpression="pk, sk",
    ):
        keys.extend(page["Items"])
    return dynamo.delete_keys(client, table, keys)


def _iso(epoch_s: int) -> str:
    return iso_utc(datetime.fromtimestamp(epoch_s, UTC))
