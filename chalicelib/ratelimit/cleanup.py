"""Deleting a gateway's limiter state (best effort, bounded: TTL removes any rest)."""

from __future__ import annotations

import time
from typing import Any

from chalicelib.ratelimit import items

FORGET_MAX_ITEMS = 500
"""At most this many items are deleted per call."""
_BATCH = 25
_UNPROCESSED_RETRIES = 3


def forget(client: Any, table: str, pk: str, max_items: int = FORGET_MAX_ITEMS) -> int:
    """Delete sliding-log summaries, then fixed windows newest first, then sliding slots.

    That order clears what still counts first; whatever is left over only counts for one
    more interval and then expires. Returns how many items were deleted; DynamoDB errors
    propagate.
    """
    deleted = 0
    for prefix in (items.NODE_PREFIX, items.FIXED_PREFIX, items.LEAF_PREFIX):
        keys = _keys(client, table, pk, prefix, max_items - deleted)
        deleted += _delete(client, table, keys)
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
    while len(keys) < budget:
        page = client.query(**request, Limit=budget - len(keys))
        keys += page["Items"]
        if "LastEvaluatedKey" not in page:
            break
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    return keys


def _delete(client: Any, table: str, keys: list[dict[str, Any]]) -> int:
    """BatchWriteItem deletes in batches of 25; returns how many went through."""
    done = 0
    for start in range(0, len(keys), _BATCH):
        requests = [{"DeleteRequest": {"Key": key}} for key in keys[start : start + _BATCH]]
        for attempt in range(_UNPROCESSED_RETRIES + 1):
            left = client.batch_write_item(RequestItems={table: requests}).get(
                "UnprocessedItems", {}
            )
            left_requests = left.get(table, [])
            done += len(requests) - len(left_requests)
            requests = left_requests
            if not requests:
                break
            if attempt < _UNPROCESSED_RETRIES:
                time.sleep(0.05 * 2**attempt)
    return done
