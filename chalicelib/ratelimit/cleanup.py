"""Deleting a gateway's limiter state (best effort, bounded: TTL removes any rest)."""

from __future__ import annotations

from typing import Any

from chalicelib import dynamo
from chalicelib.ratelimit import items

FORGET_MAX_ITEMS = 500
"""At most this many items are deleted per call."""


def forget(client: Any, table: str, pk: str, max_items: int = FORGET_MAX_ITEMS) -> int:
    """Delete sliding-log summaries, then fixed windows newest first, then sliding slots.

    That order clears what still counts first; whatever is left over only counts for one
    more interval and then expires. Returns how many items were deleted; DynamoDB errors
    propagate.
    """
    deleted = 0
    for prefix in (items.NODE_PREFIX, items.FIXED_PREFIX, items.LEAF_PREFIX):
        keys = _keys(client, table, pk, prefix, max_items - deleted)
        deleted += dynamo.delete_keys(client, table, keys)
    return deleted


def _keys(client: Any, table: str, pk: str, prefix: str, budget: int) -> list[dict[str, Any]]:
    """Keys of up to `budget` items of `pk` whose sort key starts with `prefix`, newest first."""
    keys: list[dict[str, Any]] = []
    request: dict[str, Any] = {
        "TableName": table,
        "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)",
        "ExpressionAttributeValues": {":pk": {"S": pk}, ":prefix": {"S": prefix}},
        "ProjectionExpression": "pk, sk",
        "ScanIndexForward": False,
    }
    for page in dynamo.pages(client.query, limit=lambda: budget - len(keys), **request):
        keys.extend(page["Items"])
    return keys
