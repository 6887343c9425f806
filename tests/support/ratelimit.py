"""Rate limiter test helpers: a clock the test sets, the control table's low-level client
with a record of the DynamoDB operations each call makes, and client stand-ins."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.ratelimit import RateLimiter

T0 = 1_700_006_400.0
"""Epoch seconds aligned to every interval the tests use (a multiple of 3,600)."""


class FakeClock:
    """A clock that moves only when told to."""

    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def at(self, offset_s: float) -> None:
        """Set the time to T0 + `offset_s`."""
        self.now = T0 + offset_s


@dataclass
class Env:
    """A low-level client on the control table, its operation log, and the clock."""

    client: Any
    table: str
    clock: FakeClock
    calls: list[str] = field(default_factory=list)

    def limiter(self, client: Any = None, **options: Any) -> RateLimiter:
        return RateLimiter(client or self.client, self.table, self.clock, **options)

    def take_calls(self) -> list[str]:
        """The operations made since the last call (and forget them)."""
        calls, self.calls[:] = list(self.calls), []
        return calls

    def items(self, pk: str) -> list[dict[str, Any]]:
        """Every item of partition `pk`."""
        found = self.client.query(
            TableName=self.table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": pk}},
            ConsistentRead=True,
        )["Items"]
        self.calls.pop()  # the test's own query
        return found


class Wrapped:
    """A client whose named methods are replaced; everything else goes to `inner`."""

    def __init__(self, inner: Any, **overrides: Callable[..., Any]) -> None:
        self._inner = inner
        self._overrides = overrides

    def __getattr__(self, name: str) -> Any:
        return self._overrides.get(name) or getattr(self._inner, name)


def client_error(code: str, operation: str) -> ClientError:
    """The error botocore raises for a DynamoDB error `code`."""
    return ClientError({"Error": {"Code": code, "Message": code}}, operation)
