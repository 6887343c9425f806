"""The limiter's front: no-limit path, techniques, isolation, forgetting, errors."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from chalicelib.accounts.store import AccountStore
from chalicelib.ratelimit import RateDecision, RateLimiter
from tests.support.ratelimit import Env, FakeClock, Wrapped, client_error

TECHNIQUES = ["fixed", "sliding"]


class NoAws:
    """A client that fails the test on any use."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"unexpected AWS use: {name}")


@pytest.mark.parametrize("technique", [*TECHNIQUES, None])
@pytest.mark.parametrize(
    ("limit", "interval_s"), [(0, 60), (10, 0), (-1, 60), (10, -5), (None, 60), (10, None)]
)
def test_no_limit_is_allowed_without_any_aws_call(
    limit: int | None, interval_s: int | None, technique: str | None
) -> None:
    limiter = RateLimiter(NoAws(), "unused", FakeClock())
    decision = limiter.acquire("acme", "main", limit, interval_s, technique)
    assert decision == RateDecision(allowed=True, retry_after_s=0)


def test_an_unknown_technique_is_refused_before_any_call(env: Env) -> None:
    with pytest.raises(ValueError, match="leaky"):
        env.limiter().acquire("acme", "main", 5, 10, "leaky")
    assert env.take_calls() == []


def test_no_technique_means_fixed(env: Env) -> None:
    assert env.limiter().acquire("acme", "main", 1, 10, None).allowed
    assert [item["sk"]["S"][:6] for item in env.items("RATE#acme#main")] == ["FIXED#"]


@pytest.mark.parametrize("technique", TECHNIQUES)
def test_gateways_and_accounts_never_share_capacity(env: Env, technique: str) -> None:
    limiter = env.limiter()

    def burst(account: str, gateway: str, count: int) -> list[bool]:
        return [limiter.acquire(account, gateway, 3, 60, technique).allowed for _ in range(count)]

    assert burst("acme", "main", 5) == [True] * 3 + [False] * 2
    for account, gateway in [("acme", "other"), ("globex", "main"), ("acme#main", "x")]:
        assert burst(account, gateway, 4) == [True] * 3 + [False], (account, gateway)
    assert burst("acme", "main", 1) == [False]


@pytest.mark.parametrize("technique", TECHNIQUES)
def test_limiter_items_stay_out_of_the_account_partitions(
    env: Env, accounts: AccountStore, technique: str
) -> None:
    accounts.create_account("acme", "paid")
    accounts.create_gateway("acme", "main", {})
    limiter = env.limiter(fanout=2)
    for _ in range(6):
        limiter.acquire("acme", "main", 10, 60, technique)
    assert {item["pk"]["S"] for item in env.items("ACCOUNT#acme")} == {"ACCOUNT#acme"}
    assert len(env.items("ACCOUNT#acme")) == 2  # the account and its gateway
    assert env.items("RATE#acme#main")
    assert limiter.forget("acme", "main") >= 1
    assert accounts.get_gateway("acme", "main") is not None


@pytest.mark.parametrize("technique", TECHNIQUES)
def test_forget_restores_the_full_limit_and_nothing_else(env: Env, technique: str) -> None:
    limiter = env.limiter(fanout=2)
    for gateway in ("main", "kept"):
        for _ in range(6):
            limiter.acquire("acme", gateway, 5, 60, technique)
    assert limiter.forget("acme", "main") >= 1
    assert env.items("RATE#acme#main") == []
    fresh = env.limiter(fanout=2)  # another process
    for current in (limiter, fresh):
        assert current.acquire("acme", "main", 1, 60, technique).allowed
        current.forget("acme", "main")
    assert not limiter.acquire("acme", "kept", 5, 60, technique).allowed
    assert limiter.forget("acme", "nothing") == 0


def test_forget_is_bounded_and_clears_the_newest_windows_first(env: Env) -> None:
    limiter = env.limiter()
    for window in range(30):
        env.clock.at(window)
        assert limiter.acquire("acme", "main", 1, 1, "fixed").allowed
    env.take_calls()
    assert limiter.forget("acme", "main", max_items=10) == 10
    # sliding summaries (none), then the fixed windows; the budget is spent before the slots
    assert env.take_calls() == ["Query", "Query", "BatchWriteItem"]
    left = sorted(item["sk"]["S"] for item in env.items("RATE#acme#main"))
    assert len(left) == 20
    assert left[-1] < f"FIXED#{int(env.clock.now) - 9:012d}"  # the 10 newest went
    assert limiter.acquire("acme", "main", 1, 1, "fixed").allowed


@pytest.mark.parametrize(
    ("technique", "operation"),
    [("fixed", "update_item"), ("sliding", "get_item"), ("sliding", "update_item")],
)
def test_transient_errors_reach_the_caller(env: Env, technique: str, operation: str) -> None:
    def fail(**_: Any) -> Any:
        raise client_error("ProvisionedThroughputExceededException", operation)

    limiter = env.limiter(Wrapped(env.client, **{operation: fail}))
    with pytest.raises(ClientError, match="ProvisionedThroughputExceeded"):
        limiter.acquire("acme", "main", 5, 10, technique)


def test_a_failed_summary_write_does_not_undo_an_admission(env: Env) -> None:
    def update_item(**request: Any) -> Any:
        if request["Key"]["sk"]["S"].startswith("TREE#"):
            raise client_error("ProvisionedThroughputExceededException", "UpdateItem")
        return env.client.update_item(**request)

    limiter = env.limiter(Wrapped(env.client, update_item=update_item), fanout=2)
    assert [limiter.acquire("acme", "main", 4, 10, "sliding").allowed for _ in range(5)] == [
        True
    ] * 4 + [False]
