"""The per-gateway rate limiter: picks the technique, skips gateways without a limit."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from chalicelib.ratelimit import cleanup, items
from chalicelib.ratelimit.decision import ALLOWED, RateDecision
from chalicelib.ratelimit.fixed import FixedWindow
from chalicelib.ratelimit.sliding import MAX_STEPS, SlidingLog
from chalicelib.ratelimit.tree import FANOUT

if TYPE_CHECKING:  # the boto3 type stubs are a development dependency only
    from mypy_boto3_dynamodb import DynamoDBClient

TECHNIQUES = ("fixed", "sliding")


class RateLimiter:
    """Gateway rate limits kept in the control table, exact across concurrent callers.

    `client` is a low-level boto3 DynamoDB client; `clock` returns epoch seconds.
    DynamoDB errors other than a failed condition propagate to the caller. `fanout`
    and `max_steps` tune the sliding log (tests shrink the fanout to grow deep trees).
    """

    def __init__(
        self,
        client: DynamoDBClient,
        table_name: str,
        clock: Callable[[], float] = time.time,
        *,
        fanout: int = FANOUT,
        max_steps: int = MAX_STEPS,
    ) -> None:
        self._client = client
        self._table = table_name
        self._fixed = FixedWindow(client, table_name, clock)
        self._sliding = SlidingLog(client, table_name, clock, fanout=fanout, max_steps=max_steps)

    def acquire(
        self,
        account_id: str,
        gateway_id: str,
        limit: int | None,
        interval_s: int | None,
        technique: str | None,
    ) -> RateDecision:
        """Admit one request of the gateway, or reject it with the seconds to wait.

        A limit or interval that is not positive (or None) means no limit: allowed
        without any AWS call. `technique` is "fixed" (None counts as fixed) or "sliding".
        """
        if not limit or not interval_s or limit <= 0 or interval_s <= 0:
            return ALLOWED
        pk = items.rate_pk(account_id, gateway_id)
        if technique in (None, "fixed"):
            return self._fixed.acquire(pk, limit, interval_s)
        if technique == "sliding":
            return self._sliding.acquire(pk, limit, interval_s)
        raise ValueError(f"unknown rate limiting technique {technique!r}; known: {TECHNIQUES}")

    def forget(
        self, account_id: str, gateway_id: str, max_items: int = cleanup.FORGET_MAX_ITEMS
    ) -> int:
        """Delete the gateway's limiter state (when the gateway is deleted); returns the
        number of items deleted. Bounded by `max_items`; TTL removes whatever remains."""
        return cleanup.forget(
            self._client, self._table, items.rate_pk(account_id, gateway_id), max_items
        )
