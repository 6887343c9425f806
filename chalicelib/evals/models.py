"""Datasets and evaluations as stored, and their answers in the SDK's shapes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib.evals.datasets import DatasetFilter

COMPLETE, PARTIAL = 1, 2
"""A result's `status`: every matching log evaluated, or only the first ones (the cap or
the time budget stopped the run; `status_description` says which)."""


@dataclass(frozen=True)
class Dataset:
    """A saved log filter of one gateway."""

    id: str
    account_id: str
    gateway_id: str
    name: str
    enable: bool
    filters: tuple[DatasetFilter, ...]
    created_at: str
    modified_at: str

    def to_api(self) -> dict[str, Any]:
        """The SDK's Dataset*Response."""
        return {
            "id": self.id,
            "name": self.name,
            "enable": self.enable,
            "filters": [f.to_api() for f in self.filters],
            "gateway_id": self.gateway_id,
            "created_at": self.created_at,
            "modified_at": self.modified_at,
        }

    def to_evaluation_api(self) -> dict[str, Any]:
        """The dataset as an evaluation shows it (with its account)."""
        return {**self.to_api(), "account_id": self.account_id, "account_tag": self.account_id}


@dataclass(frozen=True)
class EvaluationResult:
    """What one evaluator found: `result` is its metrics as a JSON object text."""

    id: str
    evaluation_type_id: str
    result: str
    status: int
    status_description: str
    total_logs: int
    created_at: str

    def to_api(self, evaluation_id: str) -> dict[str, Any]:
        """The SDK's evaluation Result."""
        return {
            "id": self.id,
            "evaluation_id": evaluation_id,
            "evaluation_type_id": self.evaluation_type_id,
            "result": self.result,
            "status": self.status,
            "status_description": self.status_description,
            "total_logs": self.total_logs,
            "created_at": self.created_at,
            "modified_at": self.created_at,
        }


@dataclass(frozen=True)
class Evaluation:
    """A run of evaluators over datasets, with the datasets as they were when it ran."""

    id: str
    gateway_id: str
    name: str
    datasets: tuple[Dataset, ...]
    results: tuple[EvaluationResult, ...]
    total_logs: int
    created_at: str

    @property
    def processed(self) -> bool:
        """Runs are synchronous: a stored evaluation has run."""
        return True

    def to_api(self) -> dict[str, Any]:
        """The SDK's Evaluation*Response."""
        return {
            "id": self.id,
            "name": self.name,
            "gateway_id": self.gateway_id,
            "processed": self.processed,
            "total_logs": self.total_logs,
            "datasets": [d.to_evaluation_api() for d in self.datasets],
            "results": [r.to_api(self.id) for r in self.results],
            "created_at": self.created_at,
            "modified_at": self.created_at,
        }
