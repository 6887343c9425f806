import httpx
import pytest

from chalicelib.accounts.models import Gateway
from chalicelib.edge.status import http_status
from chalicelib.errors import UpstreamTimeout, UpstreamUnreachable
from chalicelib.proxy.retry import (
    AttemptPolicy,
    is_retryable_status,
    run_attempts,
)
from chalicelib.proxy.upstream import UpstreamResponse

GATEWAY = Gateway(id="g", account_id="a")


def _answer(status: int) -> UpstreamResponse:
    return UpstreamResponse(status, [("content-type", "application/json")], b"{}", 1)


@pytest.mark.parametrize(
    ("backoff", "delays"),
    [
        ("constant", [0.1, 0.1, 0.1, 0.1]),
        ("linear", [0.1, 0.2, 0.3, 0.4]),
        ("exponential", [0.1, 0.2, 0.4, 0.8]),
    ],
)
def test_delays(backoff: str, delays: list[float]) -> None:
    policy = AttemptPolicy(1, 5, 100, backoff)
    assert [policy.delay_s(n) for n in range(1, 5)] == pytest.approx(delays)


@pytest.mark.parametrize(
    ("status", "retryable"),
    [(200, False), (400, False), (401, False), (404, False), (429, True), (500, True), (503, True)],
)
def test_retryable_statuses(status: int, retryable: bool) -> None:
    assert is_retryable_status(status) is retryable


def test_retries_until_success_sleeping_between_attempts() -> None:
    answers = iter([_answer(503), _answer(429), _answer(200), _answer(200)])
    timeouts: list[float] = []
    slept: list[float] = []

    def send(timeout_s: float) -> UpstreamResponse:
        timeouts.append(timeout_s)
        return next(answers)

    attempts = list(run_attempts(send, AttemptPolicy(2.5, 5, 100, "exponential"), slept.append))
    assert [a.answer.status for a in attempts if a.answer] == [503, 429, 200]
    assert [a.number for a in attempts] == [1, 2, 3]
    assert slept == pytest.approx([0.1, 0.2]) and timeouts == [2.5] * 3
    assert not attempts[-1].retryable


def test_connection_errors_and_timeouts_are_retried_then_reported() -> None:
    errors = iter([UpstreamUnreachable("down"), UpstreamTimeout("slow")])

    def send(timeout_s: float) -> UpstreamResponse:
        raise next(errors)

    slept: list[float] = []
    attempts = list(run_attempts(send, AttemptPolicy(1, 2, 0), slept.append))
    assert [http_status(a.error) for a in attempts if a.error] == [502, 504] and slept == [0]
    assert attempts[-1].retryable and attempts[-1].answer is None


@pytest.mark.parametrize("status", [200, 400, 404])
def test_answers_that_are_not_retryable_stop_at_once(status: int) -> None:
    calls: list[float] = []

    def send(timeout_s: float) -> UpstreamResponse:
        calls.append(timeout_s)
        return _answer(status)

    attempts = list(run_attempts(send, AttemptPolicy(1, 5, 0), lambda s: None))
    assert len(attempts) == 1 and len(calls) == 1


def test_other_errors_are_not_swallowed() -> None:
    def send(timeout_s: float) -> UpstreamResponse:
        raise httpx.InvalidURL("bad")

    with pytest.raises(httpx.InvalidURL):
        list(run_attempts(send, AttemptPolicy(1, 3, 0), lambda s: None))


def test_no_retry_starts_that_would_outlast_the_budget() -> None:
    now = [0.0]

    def send(timeout_s: float) -> UpstreamResponse:
        now[0] += 1.0  # each attempt takes a second
        return _answer(503)

    def sleep(seconds: float) -> None:
        now[0] += seconds

    policy = AttemptPolicy(2, 5, 1000, "exponential", budget_s=6)
    attempts = list(run_attempts(send, policy, sleep, clock=lambda: now[0]))
    # 1 s, wait 1 s, 1 s, wait 2 s, 1 s (6 s gone); a 4 s wait would end at 10 s
    assert len(attempts) == 3 and now[0] == 6.0
