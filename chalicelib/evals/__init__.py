"""Datasets (saved log filters of a gateway) and evaluations (the evaluators Cloudflare
documents, cost, speed and human feedback, run over the datasets' logs, bounded, and stored
with their results), in the control table. Imports chalicelib.accounts, chalicelib.logstore
(its public face), chalicelib.dynamo, chalicelib.errors and chalicelib.timestamps; never the
proxy, the HTTP layer or wiring."""

from chalicelib.evals.catalog import EVALUATION_TYPES, EvaluationType
from chalicelib.evals.datasets import OPERATORS
from chalicelib.evals.models import Dataset, Evaluation, EvaluationResult
from chalicelib.evals.runner import LogCollector
from chalicelib.evals.service import Evaluations
from chalicelib.evals.store import EvalStore

__all__ = [
    "EVALUATION_TYPES",
    "OPERATORS",
    "Dataset",
    "EvalStore",
    "Evaluation",
    "EvaluationResult",
    "EvaluationType",
    "Evaluations",
    "LogCollector",
]
