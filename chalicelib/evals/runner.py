"""Running an evaluation: the datasets' logs read page by page, bounded, then each
evaluator over them.

A run reads at most `max_logs` distinct logs (newest first, dataset after dataset) and
stops at its time budget, so that it answers within API Gateway's 29 s; a run cut short
says so in each result (status PARTIAL and its description).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from chalicelib.evals.catalog import BY_ID
from chalicelib.evals.evaluators import EVALUATORS, Sample
from chalicelib.evals.models import COMPLETE, PARTIAL, EvaluationResult
from chalicelib.logstore import LogSearch, LogSearcher, Position

MAX_LOGS = 10_000
"""Distinct logs one run evaluates at most."""
PAGE_SIZE = 1_000
DEFAULT_BUDGET_S = 20.0
"""Time a run may spend reading logs (API Gateway cuts a request at 29 s)."""


@dataclass(frozen=True)
class Collected:
    """The samples of the logs read, and why reading stopped early (None: it did not)."""

    samples: list[Sample]
    stopped: str | None


class LogCollector:
    """Reads the logs of searches (one per dataset) as samples, within bounds."""

    def __init__(
        self,
        searcher: LogSearcher,
        max_logs: int = MAX_LOGS,
        budget_s: float = DEFAULT_BUDGET_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._searcher = searcher
        self._max_logs = max_logs
        self._budget_s = budget_s
        self._clock = clock

    def collect(self, searches: Sequence[LogSearch]) -> Collected:
        """The distinct logs matching any of `searches` (a log in two datasets counts once)."""
        deadline = self._clock() + self._budget_s
        seen: set[str] = set()
        samples: list[Sample] = []
        for search in searches:
            after: Position | None = None
            while True:
                want = min(PAGE_SIZE, self._max_logs - len(samples) + 1)
                page = self._searcher.page(search, want, after)
                for record in page.records:
                    if record.id in seen:
                        continue
                    if len(samples) == self._max_logs:
                        return Collected(samples, f"capped at {self._max_logs:,} logs; more match")
                    seen.add(record.id)
                    samples.append(Sample(record.cost, record.duration, record.feedback))
                if page.next_position is None:
                    break
                if self._clock() >= deadline:
                    return Collected(
                        samples, f"time budget of {self._budget_s:g} s spent; more may match"
                    )
                after = page.next_position
        return Collected(samples, None)


def evaluate(
    collected: Collected,
    type_ids: Sequence[str],
    created_at: str,
    new_id: Callable[[], str],
) -> tuple[EvaluationResult, ...]:
    """One result per evaluation type over the collected samples."""
    total = len(collected.samples)
    results = []
    for type_id in type_ids:
        metrics = EVALUATORS[type_id](collected.samples)
        used = f"{metrics.logs:,} of the {total:,} logs have {BY_ID[type_id].needs}"
        if collected.stopped is None:
            status, description = COMPLETE, f"completed: {used}"
        else:
            status = PARTIAL
            description = f"partial ({collected.stopped}): {used}"
        results.append(
            EvaluationResult(
                id=new_id(),
                evaluation_type_id=type_id,
                result=json.dumps(metrics.values, separators=(",", ":")),
                status=status,
                status_description=description,
                total_logs=metrics.logs,
                created_at=created_at,
            )
        )
    return tuple(results)
