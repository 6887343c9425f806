"""Fixed windows: at most `limit` admissions per clock-aligned window [k*I, (k+1)*I).

One counter item per (gateway, window). Each request is a single conditional UpdateItem,
`ADD n 1` if `n < limit` (no read): DynamoDB applies it atomically, so concurrent Lambdas
never admit more than `limit`, and a rejected request changes nothing.

Cost per request, admitted or rejected: 1 UpdateItem = 1 WCU (item < 1 KB; a write whose
condition fails is billed too). Ceiling: one item takes ~1,000 writes/s, so one gateway's
fixed limiter handles up to ~1,000 requests/s.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from chalicelib.ratelimit import items
from chalicelib.ratelimit.decision import ALLOWED, RateDecision, rejected

if TYPE_CHECKING:  # the boto3 type stubs are a development dependency only
    from mypy_boto3_dynamodb import DynamoDBClient


class FixedWindow:
    """The fixed-window technique over one control table."""

    def __init__(self, client: DynamoDBClient, table_name: str, clock: Callable[[], float]) -> None:
        self._client = client
        self._table = table_name
        self._clock = clock

    def acquire(self, pk: str, limit: int, interval_s: int) -> RateDecision:
        """Take one slot of the current window, or say how long until the next one."""
        now = self._clock()
        start = int(now // interval_s) * interval_s
        end = start + interval_s
        try:
            self._client.update_item(
                TableName=self._table,
                Key=items.key(pk, items.fixed_sk(start, interval_s)),
                UpdateExpression="ADD #n :one SET #ttl = :ttl",
                ConditionExpression="attribute_not_exists(#n) OR #n < :limit",
                ExpressionAttributeNames={"#n": "n", "#ttl": items.TTL_ATTRIBUTE},
                ExpressionAttributeValues={
                    ":one": {"N": "1"},
                    ":limit": {"N": str(limit)},
                    ":ttl": items.expiry(end),
                },
            )
        except ClientError as error:
            if items.condition_failed(error):
                return rejected(end - now)
            raise
        return ALLOWED
