"""Deleting items by key with BatchWriteItem (emptying a partition)."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the boto3 type stubs are a development dependency only
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import WriteRequestUnionTypeDef

BATCH = 25
"""BatchWriteItem takes at most this many requests."""
ATTEMPTS = 4
"""Calls per batch: the first, then retries of what DynamoDB left unprocessed."""
BACKOFF_S = 0.05
"""Sleep before the first retry; it doubles before each next one."""


def delete_keys(
    client: DynamoDBClient,
    table: str,
    keys: Iterable[dict[str, Any]],
    *,
    attempts: int = ATTEMPTS,
    backoff_s: float = BACKOFF_S,
    sleep: Callable[[float], None] = time.sleep,
    complete: bool = False,
) -> int:
    """Delete the items of `keys` in batches of 25; returns how many were deleted. Keys
    are in `client`'s format: attribute values for a low-level client, Python values for
    a Table's meta.client (which serializes them as the Table does).

    `keys` is consumed lazily, 25 at a time, so a paged read feeding it interleaves with
    the deletes. UnprocessedItems are retried up to `attempts` calls per batch, sleeping
    `backoff_s`, then twice that, and so on between calls; what is still unprocessed after
    that is left (not counted), or with `complete` raises Unprocessed. DynamoDB errors
    propagate.
    """
    done = 0
    keys = iter(keys)
    while batch := list(itertools.islice(keys, BATCH)):
        requests: Sequence[WriteRequestUnionTypeDef] = [
            {"DeleteRequest": {"Key": key}} for key in batch
        ]
        for attempt in range(attempts):
            answer = client.batch_write_item(RequestItems={table: requests})
            left = answer.get("UnprocessedItems", {}).get(table, [])
            done += len(requests) - len(left)
            requests = left
            if not requests:
                break
            if attempt < attempts - 1:
                sleep(backoff_s * 2**attempt)
        if requests and complete:
            raise Unprocessed(f"{len(requests)} deletes from {table} stayed unprocessed")
    return done


class Unprocessed(RuntimeError):
    """DynamoDB left deletes unprocessed through every attempt."""
