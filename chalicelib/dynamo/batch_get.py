"""Reading items by key with BatchGetItem, retrying unprocessed keys with backoff."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the boto3 type stubs are a development dependency only
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import KeysAndAttributesTypeDef

BATCH = 100
"""BatchGetItem takes at most this many keys."""
ATTEMPTS = 6
"""Calls per batch: the first, then retries of the keys DynamoDB left unprocessed."""
BACKOFF_S = 0.05
"""Longest sleep before the first retry; it doubles before each next one."""


class UnprocessedKeys(RuntimeError):
    """DynamoDB left keys of a BatchGetItem unprocessed through every attempt."""


def get_many(
    client: DynamoDBClient,
    table: str,
    keys: Sequence[Mapping[str, Any]],
    projection: str | None = None,
    *,
    attempts: int = ATTEMPTS,
    backoff_s: float = BACKOFF_S,
    sleep: Callable[[float], None] = time.sleep,
) -> list[dict[str, Any]]:
    """The items (in no set order) of those `keys` that exist, read consistently in
    batches of 100; `projection` is a ProjectionExpression. Keys and items are in
    `client`'s format: attribute values for a low-level client, Python values for a
    Table's meta.client (which serializes them as the Table does).

    Keys DynamoDB leaves unprocessed (throttled, or past its 16 MB answer) are asked
    again, up to `attempts` calls per batch, sleeping a random time between half and all
    of `backoff_s` before the first retry, twice that before the next, and so on (backoff
    with jitter). Keys still unprocessed after that raise UnprocessedKeys; DynamoDB errors
    propagate.
    """
    found: list[dict[str, Any]] = []
    for start in range(0, len(keys), BATCH):
        request: KeysAndAttributesTypeDef = {
            "Keys": keys[start : start + BATCH],
            "ConsistentRead": True,
        }
        if projection is not None:
            request["ProjectionExpression"] = projection
        for attempt in range(attempts):
            answer = client.batch_get_item(RequestItems={table: request})
            found.extend(answer["Responses"].get(table, []))
            unprocessed = answer.get("UnprocessedKeys", {})
            left = unprocessed[table]["Keys"] if table in unprocessed else []
            if not left:
                break
            request = request.copy()  # a new request: the one sent stays as it was
            request["Keys"] = left
            if attempt < attempts - 1:
                sleep(backoff_s * 2**attempt * random.uniform(0.5, 1))
        else:
            raise UnprocessedKeys(f"{len(request['Keys'])} keys of {table} stayed unprocessed")
    return found
