"""Deleting a gateway's limiter state (best effort, bounded: TTL removes any rest)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from chalicelib import dynamo
from chalicelib.ratelimit import items

if TYPE_CHECKING:  # the boto3 type stubs are a development dependency only
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef

FORGET_MAX_ITEMS = 500
"""At most this many items are deleted per call."""


def forget(client: DynamoDBClient, table: str, pk: str, max_items: int = FORGET_MAX_ITEMS) -> int:
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


def _keys(
    client: DynamoDBClient, table: str, pk: str, prefix: str, budget: int
) -> list[dict[str, AttributeValueTypeDef]]:
    """Keys of up to `budget` items of `pk` whose sort key starts with `prefix`, newest first."""
    keys: list[dict[str, AttributeValueTypeDef]] = []
    # dynamo.pages takes a Callable[..., dict[str, Any]]; the stubs' answer is a TypedDict
    query = cast("Callable[..., dict[str, Any]]", client.query)
    for page in dynamo.pages(
        query,
        limit=lambda: budget - len(keys),
        TableName=table,
        KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
        ExpressionAttributeValues={":pk": {"S": pk}, ":prefix": {"S": prefix}},
        ProjectionExpression="pk, sk",
        ScanIndexForward=False,
    ):
        keys.extend(page["Items"])
    return keys
