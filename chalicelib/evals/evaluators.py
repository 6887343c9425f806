"""The evaluators' maths: each one turns the samples of a dataset's logs into metrics.

Pure functions over `Sample`s (the three log fields they read), so that they can be checked
against a brute-force computation. Money is summed as Decimal and answered as float.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from chalicelib.evals.catalog import COST, HUMAN_FEEDBACK, SPEED

PERCENTILES = (50, 90, 95, 99)


@dataclass(frozen=True)
class Sample:
    """What the evaluators read of one log."""

    cost: Decimal | None
    duration: int
    feedback: int | None


@dataclass(frozen=True)
class Metrics:
    """An evaluator's answer: its figures (JSON-ready) and how many logs they stand on."""

    values: dict[str, Any]
    logs: int


def cost(samples: Sequence[Sample]) -> Metrics:
    """Total and average cost of the logs whose cost is known (null average: none is)."""
    known = [sample.cost for sample in samples if sample.cost is not None]
    total = sum(known, Decimal(0))
    average = float(total / len(known)) if known else None
    return Metrics({"total_cost": float(total), "average_cost": average}, len(known))


def speed(samples: Sequence[Sample]) -> Metrics:
    """Average, percentiles (nearest rank), minimum and maximum duration in ms."""
    durations = sorted(sample.duration for sample in samples)
    if not durations:
        empty: dict[str, Any] = {"average_duration": None, "min_duration": None}
        empty |= {f"p{p}_duration": None for p in PERCENTILES} | {"max_duration": None}
        return Metrics(empty, 0)
    values: dict[str, Any] = {
        "average_duration": sum(durations) / len(durations),
        "min_duration": durations[0],
    }
    for p in PERCENTILES:
        values[f"p{p}_duration"] = nearest_rank(durations, p)
    values["max_duration"] = durations[-1]
    return Metrics(values, len(durations))


def human_feedback(samples: Sequence[Sample]) -> Metrics:
    """Percent of thumbs up among the logs rated 1 or -1 (null: none is rated)."""
    positive = sum(1 for sample in samples if sample.feedback == 1)
    negative = sum(1 for sample in samples if sample.feedback == -1)
    rated = positive + negative
    percent = 100 * positive / rated if rated else None
    return Metrics({"positive_percent": percent, "positive": positive, "negative": negative}, rated)


def nearest_rank(ordered: Sequence[int], percentile: int) -> int:
    """The `percentile`th percentile of non-empty ascending `ordered`, by nearest rank."""
    rank = max(1, math.ceil(percentile / 100 * len(ordered)))
    return ordered[rank - 1]


EVALUATORS: dict[str, Callable[[Sequence[Sample]], Metrics]] = {
    COST.id: cost,
    SPEED.id: speed,
    HUMAN_FEEDBACK.id: human_feedback,
}
"""Evaluator of each evaluation type id."""
