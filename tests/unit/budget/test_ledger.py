"""The ledger over moto: reserve and settle in one conditional write each, all-or-none
across rules, expiry of a crashed request's reservation, windows, and no overspend
under concurrent callers."""

from __future__ import annotations

import random
import threading
from typing import Any

from chalicelib.budget import Claim, Ledger, Refusal, Request, Reservation, compile_rules, usage
from chalicelib.budget.items import spend_pk
from chalicelib.budget.ledger import LEASE_S
from chalicelib.budget.rules import PICO, Rule
from tests.support.ratelimit import T0, Env

PK = spend_pk("acme", "gw")
USD = int(PICO)
ANY = Request("openai", "gpt-4o-mini", {})


def _rule(**fields: Any) -> Rule:
    raw = {"limit": 1, "limitType": "cost", "window": 3600, **fields}
    return compile_rules({"rules": [raw]})[0]


def _claim(rule: Rule, amount: int, request: Request = ANY) -> Claim:
    bucket = rule.bucket(request)
    assert bucket is not None
    return Claim(bucket, amount)


def _reserve(ledger: Ledger, *claims: Claim) -> Reservation:
    held = ledger.reserve(PK, list(claims))
    assert isinstance(held, Reservation)
    return held


def _spent(env: Env, rule: Rule) -> list[tuple[float, float]]:
    shown = usage(env.client, env.table, PK, [rule], env.clock())
    return [(b["spent"], b["reserved"]) for b in shown[0]["buckets"]]


def test_one_write_to_reserve_and_one_to_settle(ledger: Ledger, env: Env) -> None:
    rule = _rule()
    held = _reserve(ledger, _claim(rule, USD // 2))
    assert env.calls == ["UpdateItem"]
    assert _spent(env, rule) == [(0.0, 0.5)]
    env.calls.clear()
    ledger.settle(held, lambda claim: USD // 10)
    ledger.settle(held, lambda claim: USD)  # a second settlement changes nothing
    assert env.calls == ["UpdateItem"]
    assert _spent(env, rule) == [(0.1, 0.0)]


def test_a_reservation_that_does_not_fit_is_refused_and_changes_nothing(
    ledger: Ledger, env: Env
) -> None:
    rule = _rule()
    ledger.settle(_reserve(ledger, _claim(rule, USD // 2)), lambda claim: USD * 6 // 10)
    refused = ledger.reserve(PK, [_claim(rule, USD // 2)])
    assert isinstance(refused, Refusal) and refused.used == USD * 6 // 10
    assert refused.retry_after_s == 3600 - int(T0 % 3600)
    _reserve(ledger, _claim(rule, USD * 4 // 10))  # exactly up to the limit
    assert isinstance(ledger.reserve(PK, [_claim(rule, 1)]), Refusal)


def test_a_request_dearer_than_the_limit_is_refused_without_a_call(
    ledger: Ledger, env: Env
) -> None:
    refused = ledger.reserve(PK, [_claim(_rule(), USD + 1)])
    assert isinstance(refused, Refusal) and env.calls == []


def test_several_rules_reserve_all_or_none(ledger: Ledger, env: Env) -> None:
    wide, per_user = (
        _rule(id="a-wide", limit=10),
        _rule(id="b-user", limit=1, metadata={"user_id": {"mode": "partition"}}),
    )
    alice = Request("openai", "m", {"user_id": "alice"})
    ledger.settle(_reserve(ledger, _claim(per_user, USD, alice)), lambda claim: USD)
    env.calls.clear()
    refused = ledger.reserve(
        PK, [_claim(wide, USD // 10, alice), _claim(per_user, USD // 10, alice)]
    )
    assert isinstance(refused, Refusal) and refused.claim.bucket.rule.label == "b-user"
    assert env.calls == ["UpdateItem", "UpdateItem", "UpdateItem"]  # took, refused, gave back
    assert _spent(env, wide) == [(0.0, 0.0)]
    bob = Request("openai", "m", {"user_id": "bob"})
    _reserve(ledger, _claim(wide, USD // 10, bob), _claim(per_user, USD // 10, bob))


def test_a_crashed_requests_reservation_expires_after_the_lease(ledger: Ledger, env: Env) -> None:
    rule = _rule()
    crashed = _reserve(ledger, _claim(rule, USD * 8 // 10))  # never settled in time
    assert isinstance(ledger.reserve(PK, [_claim(rule, USD // 2)]), Refusal)
    env.clock.at(LEASE_S - 60)
    assert isinstance(ledger.reserve(PK, [_claim(rule, USD // 2)]), Refusal)  # still alive
    env.clock.at(LEASE_S + 120)
    env.calls.clear()
    late = _reserve(ledger, _claim(rule, USD // 2))
    assert env.calls == ["UpdateItem", "UpdateItem", "UpdateItem"]  # refused, reclaim, taken
    assert _spent(env, rule) == [(0.0, 0.5)]
    ledger.settle(crashed, lambda claim: USD // 10)  # arrives after all: its cost alone
    ledger.settle(late, lambda claim: USD // 2)
    assert _spent(env, rule) == [(0.6, 0.0)]


def test_fixed_windows_start_afresh(ledger: Ledger, env: Env) -> None:
    rule = _rule()
    ledger.settle(_reserve(ledger, _claim(rule, USD)), lambda claim: USD)
    assert isinstance(ledger.reserve(PK, [_claim(rule, 1)]), Refusal)
    env.clock.at(3600 - T0 % 3600)
    _reserve(ledger, _claim(rule, USD))


def test_a_rolling_window_forgets_charges_as_they_age_out(ledger: Ledger, env: Env) -> None:
    rule = _rule(technique="sliding", window=240)  # bins of 10 s
    ledger.settle(_reserve(ledger, _claim(rule, USD)), lambda claim: USD // 2)
    env.clock.at(120)
    ledger.settle(_reserve(ledger, _claim(rule, USD // 2)), lambda claim: USD // 2)
    env.clock.at(245)  # the first charge still counts (its bin overlaps the window)
    assert isinstance(ledger.reserve(PK, [_claim(rule, 1)]), Refusal)
    env.clock.at(251)
    _reserve(ledger, _claim(rule, USD // 2))
    assert _spent(env, rule) == [(0.5, 0.5)]


def test_calendar_months(ledger: Ledger, env: Env) -> None:
    rule = _rule(period="month", window=2_592_000)
    env.clock.now = 1_706_745_599.0  # 2024-01-31T23:59:59Z
    ledger.settle(_reserve(ledger, _claim(rule, USD)), lambda claim: USD)
    assert isinstance(ledger.reserve(PK, [_claim(rule, 1)]), Refusal)
    env.clock.now = 1_706_745_600.0  # 2024-02-01
    _reserve(ledger, _claim(rule, USD))


def test_concurrent_callers_never_overspend(ledger: Ledger, env: Env) -> None:
    rule = _rule(limit=1)
    maximum = USD // 20
    charged: list[int] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(12):
            held = ledger.reserve(PK, [_claim(rule, maximum)])
            if isinstance(held, Reservation):
                cost = random.randint(maximum // 2, maximum)
                ledger.settle(held, lambda claim, cost=cost: cost)
                with lock:
                    charged.append(cost)

    threads = [threading.Thread(target=worker) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    spent, reserved = _spent(env, rule)[0]
    assert sum(charged) <= USD and reserved == 0
    assert round(spent * USD) == sum(charged)
    assert sum(charged) > USD - maximum  # refused only when the next maximum did not fit
