"""Attempts at one upstream call: timeout, retries, delays between them.

The policy comes from the request's options (proxy/options.py: `aig-request-timeout`,
`aig-max-attempts`, `aig-retry-delay`, `aig-backoff` over the gateway's `retry_*`). Only
connection errors, timeouts, 429 and 5xx answers are retried.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from chalicelib.errors import ApiError, UpstreamTimeout, UpstreamUnreachable
from chalicelib.proxy.upstream import UpstreamResponse, UpstreamStream

BACKOFFS = ("constant", "linear", "exponential")


@dataclass(frozen=True)
class AttemptPolicy:
    """How one upstream call is attempted."""

    timeout_s: float
    """Seconds to wait for the provider's first byte, per attempt."""
    max_attempts: int = 1
    delay_ms: int = 0
    """Base delay before a retry."""
    backoff: str = "constant"
    budget_s: float | None = None
    """The whole call, delays included, stays within this: no retry starts whose delay
    would end past it (the gateway's upstream timeout, so retries never outlast it)."""

    def delay_s(self, retry: int) -> float:
        """Seconds to wait before retry number `retry` (1 = the first retry)."""
        if self.backoff == "linear":
            return self.delay_ms * retry / 1000
        if self.backoff == "exponential":
            factor: int | float = 2 ** (retry - 1)  # int ** int: a float if retry < 1
            return self.delay_ms * factor / 1000
        return self.delay_ms / 1000


def is_retryable_status(status: int) -> bool:
    """True for answers worth another attempt (or the next fallback step): 429 and 5xx."""
    return status == 429 or status >= 500


@dataclass(frozen=True)
class Attempt:
    """One try: the provider's answer, or the error that stood for it."""

    number: int
    """1 for the first try."""
    answer: UpstreamResponse | UpstreamStream | None
    """The answer read whole, or (a final one) open to relay as it arrives."""
    error: ApiError | None
    duration_ms: int

    @property
    def retryable(self) -> bool:
        """True after a connection error, a timeout, a 429 or a 5xx."""
        return self.answer is None or is_retryable_status(self.answer.status)


def run_attempts(
    send: Callable[[float], UpstreamResponse | UpstreamStream],
    policy: AttemptPolicy,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> Iterator[Attempt]:
    """Call `send(timeout_s)` until an answer is not retryable, the attempts run out or
    the next delay would end past the policy's budget; yield every attempt, the last one
    being the outcome."""
    began = clock()
    for number in range(1, policy.max_attempts + 1):
        started = time.perf_counter()
        try:
            answer, error = send(policy.timeout_s), None
        except (UpstreamTimeout, UpstreamUnreachable) as exc:
            answer, error = None, exc
        duration_ms = round((time.perf_counter() - started) * 1000)
        attempt = Attempt(number, answer, error, duration_ms)
        yield attempt
        if not attempt.retryable or number == policy.max_attempts:
            return
        delay = policy.delay_s(number)
        if policy.budget_s is not None and clock() - began + delay >= policy.budget_s:
            return
        sleep(delay)
