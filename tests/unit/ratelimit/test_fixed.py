"""Fixed windows: clock-aligned, one conditional update per request."""

from __future__ import annotations

import pytest

from chalicelib.ratelimit import RateDecision
from chalicelib.ratelimit.items import TTL_ATTRIBUTE
from tests.support.ratelimit import T0, Env


def _take(env: Env, count: int, limit: int = 3, interval_s: int = 60) -> list[RateDecision]:
    limiter = env.limiter()
    return [limiter.acquire("acme", "main", limit, interval_s, "fixed") for _ in range(count)]


def test_admits_the_limit_then_rejects_until_the_window_ends(env: Env) -> None:
    env.clock.at(12.5)
    decisions = _take(env, 5)
    assert [d.allowed for d in decisions] == [True, True, True, False, False]
    assert decisions[3] == RateDecision(allowed=False, retry_after_s=48)  # ceil(60 - 12.5)
    env.clock.at(59.9)
    assert _take(env, 1) == [RateDecision(allowed=False, retry_after_s=1)]
    env.clock.at(60)
    assert [d.allowed for d in _take(env, 4)] == [True, True, True, False]


def test_windows_are_aligned_to_the_clock_not_to_the_first_request(env: Env) -> None:
    env.clock.at(59)
    assert [d.allowed for d in _take(env, 4)] == [True, True, True, False]
    env.clock.at(60)  # one second later, but a new window
    assert [d.allowed for d in _take(env, 4)] == [True, True, True, False]
    env.clock.at(119.999)
    assert _take(env, 1)[0] == RateDecision(allowed=False, retry_after_s=1)


def test_rejected_requests_do_not_consume_capacity(env: Env) -> None:
    env.clock.at(1)
    assert [d.allowed for d in _take(env, 10, limit=2)] == [True, True] + [False] * 8
    (item,) = env.items("RATE#acme#main")
    assert item["n"] == {"N": "2"}
    # The same window under a higher limit has exactly the difference left.
    assert [d.allowed for d in _take(env, 3, limit=4)] == [True, True, False]


def test_one_update_per_request_and_no_read(env: Env) -> None:
    limiter = env.limiter()
    for expected in (True, False, False):
        assert limiter.acquire("acme", "main", 1, 10, "fixed").allowed is expected
        assert env.take_calls() == ["UpdateItem"]


def test_window_item_shape_and_expiry(env: Env) -> None:
    env.clock.at(3_600 + 30)
    _take(env, 2, limit=5, interval_s=3_600)
    (item,) = env.items("RATE#acme#main")
    window_start = int(T0) + 3_600
    assert item["sk"] == {"S": f"FIXED#{window_start:012d}#3600"}
    assert item["n"] == {"N": "2"}
    assert TTL_ATTRIBUTE == "expires_at"
    expires = int(item["expires_at"]["N"])
    assert window_start + 3_600 <= expires <= window_start + 3_600 + 3_600


@pytest.mark.parametrize("other_interval", [30, 120])
def test_a_new_interval_counts_apart(env: Env, other_interval: int) -> None:
    env.clock.at(0)
    assert [d.allowed for d in _take(env, 2, limit=1, interval_s=60)] == [True, False]
    assert [d.allowed for d in _take(env, 2, limit=1, interval_s=other_interval)] == [
        True,
        False,
    ]
