"""Sliding log: exact over any trailing interval, in one leaf or a tree, under races too."""

from __future__ import annotations

import math
import random
from typing import Any

import pytest

from chalicelib.ratelimit import RateDecision
from chalicelib.ratelimit.tree import Shape
from tests.support.ratelimit import Env, Wrapped, client_error

PK = "RATE#acme#main"


def _take(env: Env, count: int, limit: int, interval_s: int = 10, **options: Any) -> list[bool]:
    limiter = env.limiter(**options)
    return [
        limiter.acquire("acme", "main", limit, interval_s, "sliding").allowed for _ in range(count)
    ]


@pytest.mark.parametrize("fanout", [64, 2])
def test_limit_admitted_at_t_then_rejected_until_t_plus_interval(env: Env, fanout: int) -> None:
    limiter = env.limiter(fanout=fanout)
    env.clock.at(0.25)
    assert _take(env, 4, limit=3, fanout=fanout) == [True, True, True, False]
    for offset, wait in [(1, 10), (5.2, 6), (10.24, 1)]:
        env.clock.at(offset)
        assert limiter.acquire("acme", "main", 3, 10, "sliding") == RateDecision(False, wait)
    env.clock.at(10.25)
    assert _take(env, 4, limit=3, fanout=fanout) == [True, True, True, False]


def test_retry_after_waits_for_the_oldest_admission_to_age_out(env: Env) -> None:
    limiter = env.limiter()
    for offset in (0, 2, 4):
        env.clock.at(offset)
        assert limiter.acquire("acme", "main", 3, 10, "sliding").allowed
    env.clock.at(5)
    assert limiter.acquire("acme", "main", 3, 10, "sliding") == RateDecision(False, 5)
    env.clock.at(10)  # the admission at 0 aged out: room for exactly one
    assert _take(env, 2, limit=3) == [True, False]
    env.clock.at(10.5)  # next to go: the one at 2
    assert limiter.acquire("acme", "main", 3, 10, "sliding") == RateDecision(False, 2)


def test_exact_where_the_two_window_approximation_is_not(env: Env) -> None:
    env.clock.at(9.5)  # end of window [0, 10)
    assert _take(env, 10, limit=10) == [True] * 10
    env.clock.at(10.5)  # approximation: 10 * 0.95 = 9.5 < 10, would admit
    assert _take(env, 1, limit=10) == [False]
    env.clock.at(19.5)
    assert _take(env, 11, limit=10) == [True] * 10 + [False]


class Model:
    """The definition: admit iff fewer than `limit` admissions in (now - interval, now]."""

    def __init__(self, limit: int, interval_ms: int) -> None:
        self.limit, self.interval_ms, self.admitted = limit, interval_ms, []

    def acquire(self, now_ms: int) -> RateDecision:
        window = [t for t in self.admitted if t > now_ms - self.interval_ms]
        if len(window) < self.limit:
            self.admitted.append(now_ms)
            return RateDecision(True, 0)
        wait_ms = window[len(window) - self.limit] + self.interval_ms - now_ms
        return RateDecision(False, max(1, math.ceil(wait_ms / 1000)))


@pytest.mark.parametrize(
    ("limit", "fanout"),
    [(1, 64), (4, 64), (5, 2), (7, 3), (12, 4), (20, 2)],
    ids=["one", "leaf", "tree-5", "tree-7", "tree-12", "deep-20"],
)
def test_matches_the_definition_on_random_traffic(env: Env, limit: int, fanout: int) -> None:
    rng = random.Random(limit * 1000 + fanout)
    limiter = env.limiter(fanout=fanout)
    model = Model(limit, 3_000)
    now_ms = 0
    for _ in range(150):
        now_ms += rng.choice([0, 0, 1, 7, 150, 400, 999, 1_000, 2_999, 3_000, 4_000])
        env.clock.at(now_ms / 1000)
        expected = model.acquire(now_ms)
        assert limiter.acquire("acme", "main", limit, 3, "sliding") == expected, now_ms
    assert len(model.admitted) > 3 * limit  # the traffic crossed many intervals


def test_one_leaf_costs_one_read_and_one_write(env: Env) -> None:
    limiter = env.limiter()
    for expected in (True, True, False, False):
        assert limiter.acquire("acme", "main", 2, 10, "sliding").allowed is expected
        assert env.take_calls() == (["GetItem", "UpdateItem"] if expected else ["GetItem"])


def test_a_tree_reads_its_depth_and_rejects_from_the_root(env: Env) -> None:
    limiter = env.limiter(fanout=2)  # limit 4: two leaves under a root
    for _ in range(4):
        assert limiter.acquire("acme", "main", 4, 10, "sliding").allowed
    calls = env.take_calls()
    # Each admission reads root and leaf and writes a slot; each leaf, once full, is
    # recorded in the root (twice in all).
    assert (calls.count("GetItem"), calls.count("UpdateItem"), len(calls)) == (8, 6, 14)
    assert limiter.acquire("acme", "main", 4, 10, "sliding") == RateDecision(False, 10)
    assert env.take_calls() == ["GetItem"]


def test_lost_summaries_cost_visits_never_wrong_answers(env: Env) -> None:
    limiter = env.limiter(fanout=2)  # limit 8: 4 leaves, 2 nodes, a root
    for second in range(8):
        env.clock.at(second)
        assert limiter.acquire("acme", "main", 8, 10, "sliding").allowed
    for item in env.items(PK):
        if item["sk"]["S"].startswith("TREE#"):
            env.client.delete_item(TableName=env.table, Key={"pk": item["pk"], "sk": item["sk"]})
    env.clock.at(9.5)
    env.take_calls()
    assert limiter.acquire("acme", "main", 8, 10, "sliding") == RateDecision(False, 1)
    assert env.take_calls().count("GetItem") == 7  # every node once
    assert limiter.acquire("acme", "main", 8, 10, "sliding") == RateDecision(False, 1)
    assert env.take_calls() == ["GetItem"]  # repaired
    env.clock.at(10)  # the admission at 0 aged out: exactly one more
    assert _take(env, 2, limit=8, fanout=2) == [True, False]


def test_item_shapes_stay_under_one_kilobyte(env: Env) -> None:
    env.clock.at(0)
    assert _take(env, 101, limit=100) == [True] * 100 + [False]
    items = {item["sk"]["S"]: item for item in env.items(PK)}
    assert sorted(items) == ["SLOTS#000000000", "SLOTS#000000001", "TREE#100#1#000000000"]
    slots = [name for name in items["SLOTS#000000000"] if name.startswith("s") and name != "sk"]
    assert len(slots) == 64
    assert {"m0", "m1"} <= set(items["TREE#100#1#000000000"])
    for item in items.values():
        assert _size(item) < 1_000
        assert int(item["expires_at"]["N"]) >= env.clock.now + 10


def _size(item: dict[str, Any]) -> int:
    """DynamoDB's item size: names plus values (numbers ~1 byte per 2 digits + 1)."""
    size = 0
    for name, value in item.items():
        text = value.get("S") or value["N"]
        size += len(name) + (len(text) if "S" in value else math.ceil(len(text) / 2) + 1)
    return size


def test_a_lost_race_decides_again_on_the_returned_item(env: Env) -> None:
    rival = env.limiter()
    raced: list[bool] = []

    def update_item(**request: Any) -> Any:
        if not raced:  # another Lambda admits between our read and our write
            raced.append(rival.acquire("acme", "main", 1, 10, "sliding").allowed)
        return env.client.update_item(**request)

    ours = env.limiter(Wrapped(env.client, update_item=update_item))
    assert ours.acquire("acme", "main", 1, 10, "sliding") == RateDecision(False, 10)
    assert raced == [True]
    # ours reads, the rival reads and writes, ours fails its write: no second read.
    assert env.take_calls() == ["GetItem", "GetItem", "UpdateItem", "UpdateItem"]


def test_racers_with_room_are_both_admitted(env: Env) -> None:
    rival = env.limiter()
    raced: list[bool] = []

    def update_item(**request: Any) -> Any:
        if not raced:
            raced.append(rival.acquire("acme", "main", 2, 10, "sliding").allowed)
        return env.client.update_item(**request)

    ours = env.limiter(Wrapped(env.client, update_item=update_item))
    assert ours.acquire("acme", "main", 2, 10, "sliding").allowed and raced == [True]
    assert _take(env, 1, limit=2) == [False]


def test_work_is_bounded_and_never_admits_when_writes_keep_failing(env: Env) -> None:
    def update_item(**_: Any) -> Any:
        raise client_error("ConditionalCheckFailedException", "UpdateItem")

    limiter = env.limiter(Wrapped(env.client, update_item=update_item), max_steps=4)
    assert limiter.acquire("acme", "main", 5, 10, "sliding") == RateDecision(False, 1)
    assert env.take_calls() == ["GetItem"] * 4  # the first read, then one per failed write
    assert env.items(PK) == []


def test_a_raised_limit_adds_room_and_a_lowered_one_applies_to_a_full_log(env: Env) -> None:
    env.clock.at(0)
    assert _take(env, 7, limit=6) == [True] * 6 + [False]
    assert _take(env, 3, limit=8) == [True, True, False]
    assert _take(env, 1, limit=3) == [False]
    assert _take(env, 1, limit=100, fanout=4) == [True]  # same slots, a tree over them


def test_tree_shapes() -> None:
    assert Shape.of(64).sizes == (1,) and Shape.of(65).sizes == (2, 1)
    assert Shape.of(4_096).sizes == (64, 1) and Shape.of(4_097).sizes == (65, 2, 1)
    assert len(Shape.of(10**9).sizes) == 5
    shape = Shape.of(100)
    assert [shape.width(0, 0), shape.width(0, 1), shape.width(1, 0)] == [64, 36, 2]
    with pytest.raises(ValueError):
        Shape.of(5, fanout=1)
