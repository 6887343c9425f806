"""Attempts at one upstream call: timeout, retries, delays between them (`aig-*` headers).

Per request, `aig-request-timeout` (ms to the first byte), `aig-max-attempts` (1..5),
`aig-retry-delay` (ms, up to 5 s) and `aig-backoff` (constant|linear|exponential) override
the gateway's `retry_max_attempts`, `retry_delay` and `retry_backoff`. Only connection
errors, timeouts, 429 and 5xx answers are retried.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

from chalicelib.accounts.models import Gateway
from chalicelib.api.errors import ApiError, BadRequest, UpstreamTimeout, UpstreamUnreachable
from chalicelib.proxy.headers import aig_header
from chalicelib.proxy.upstream import UpstreamResponse, UpstreamStream
from chalicelib.validation import InvalidInput, bounded_int

MAX_ATTEMPTS = 5
MAX_RETRY_DELAY_MS = 5_000
MAX_REQUEST_TIMEOUT_MS = 600_000
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
            return self.delay_ms * 2 ** (retry - 1) / 1000
        return self.delay_ms / 1000


def attempt_policy(
    headers: Mapping[str, str], gateway: Gateway, default_timeout_s: float
) -> AttemptPolicy:
    """The policy of one request: its headers, else the gateway's defaults.

    Raises BadRequest naming the header for a bad value.
    """
    timeout_ms = _int_header(headers, "request-timeout", 1, MAX_REQUEST_TIMEOUT_MS)
    attempts = _int_header(headers, "max-attempts", 1, MAX_ATTEMPTS)
    delay_ms = _int_header(headers, "retry-delay", 0, MAX_RETRY_DELAY_MS)
    backoff = aig_header(headers, "backoff")
    if backoff is not None and backoff.strip().lower() not in BACKOFFS:
        raise BadRequest(f"aig-backoff must be one of {', '.join(BACKOFFS)}")
    return AttemptPolicy(
        timeout_s=default_timeout_s if timeout_ms is None else timeout_ms / 1000,
        max_attempts=attempts or gateway.retry_max_attempts or 1,
        delay_ms=(gateway.retry_delay or 0) if delay_ms is None else delay_ms,
        backoff=backoff.strip().lower() if backoff else gateway.retry_backoff or "constant",
        budget_s=default_timeout_s,
    )


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
    def status(self) -> int:
        """The HTTP status the client would see."""
        if self.answer is not None:
            return self.answer.status
        assert self.error is not None
        return self.error.status

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


def _int_header(headers: Mapping[str, str], name: str, low: int, high: int) -> int | None:
    raw = aig_header(headers, name)
    if raw is None:
        return None
    try:
        return bounded_int(raw, low, high)
    except InvalidInput as exc:
        raise BadRequest(f"aig-{name} {exc}") from None
