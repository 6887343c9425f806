"""The evaluators' maths against a brute-force computation over random samples."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest

from chalicelib.evals.catalog import BY_ID, EVALUATION_TYPES
from chalicelib.evals.evaluators import (
    EVALUATORS,
    Sample,
    cost,
    human_feedback,
    nearest_rank,
    speed,
)


def _samples(seed: int, count: int) -> list[Sample]:
    rng = random.Random(seed)
    return [
        Sample(
            cost=rng.choice([None, Decimal(rng.randint(0, 10**6)) / 10**7]),
            duration=rng.randint(0, 5_000),
            feedback=rng.choice([None, -1, 0, 1]),
        )
        for _ in range(count)
    ]


def _percentile(values: list[int], p: int) -> int:
    """Nearest rank, the textbook way: the smallest value with at least p% at or below it."""
    ordered = sorted(values)
    return next(v for v in ordered if sum(1 for w in ordered if w <= v) * 100 >= p * len(ordered))


@pytest.mark.parametrize(("seed", "count"), [(1, 1), (2, 7), (3, 250), (4, 1001)])
def test_each_evaluator_matches_brute_force(seed: int, count: int) -> None:
    samples = _samples(seed, count)
    costs = [s.cost for s in samples if s.cost is not None]
    got = cost(samples)
    assert got.logs == len(costs)
    assert got.values["total_cost"] == pytest.approx(float(sum(costs)), abs=1e-12)
    expected_average = float(sum(costs)) / len(costs) if costs else None
    assert got.values["average_cost"] == pytest.approx(expected_average)

    durations = [s.duration for s in samples]
    fast = speed(samples)
    assert fast.logs == count
    assert fast.values["average_duration"] == pytest.approx(sum(durations) / count)
    assert fast.values["min_duration"] == min(durations)
    assert fast.values["max_duration"] == max(durations)
    for p in (50, 90, 95, 99):
        assert fast.values[f"p{p}_duration"] == _percentile(durations, p), p

    up = sum(1 for s in samples if s.feedback == 1)
    down = sum(1 for s in samples if s.feedback == -1)
    liked = human_feedback(samples)
    assert (liked.logs, liked.values["positive"], liked.values["negative"]) == (up + down, up, down)
    assert liked.values["positive_percent"] == (
        pytest.approx(100 * up / (up + down)) if up + down else None
    )


def test_no_data_is_null_not_zero() -> None:
    unknown = [Sample(cost=None, duration=10, feedback=0), Sample(None, 20, None)]
    assert cost(unknown).values == {"total_cost": 0.0, "average_cost": None}
    assert cost(unknown).logs == 0
    assert human_feedback(unknown).values["positive_percent"] is None
    assert speed([]).values["average_duration"] is None and speed([]).logs == 0


def test_money_is_summed_exactly() -> None:
    tenths = [Sample(Decimal("0.1"), 1, None)] * 3
    assert cost(tenths).values["total_cost"] == 0.3  # 0.1 + 0.1 + 0.1 in floats is not


def test_nearest_rank() -> None:
    assert [nearest_rank([1, 2, 3, 4], p) for p in (1, 25, 26, 50, 75, 100)] == [1, 1, 2, 2, 3, 4]


def test_every_catalog_type_has_an_evaluator() -> None:
    assert set(EVALUATORS) == set(BY_ID) == {kind.id for kind in EVALUATION_TYPES}
    for kind in EVALUATION_TYPES:
        api = kind.to_api()
        assert set(api) == {
            "id",
            "name",
            "type",
            "description",
            "enable",
            "mandatory",
            "created_at",
            "modified_at",
        }
