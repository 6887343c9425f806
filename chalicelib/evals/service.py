"""Datasets and evaluations of a gateway: checks, storage and runs (framework-free)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from chalicelib.accounts import AccountStore, Gateway, is_gateway_address
from chalicelib.errors import BadRequest, NotFound
from chalicelib.evals.catalog import BY_ID
from chalicelib.evals.datasets import check_name, parse_dataset, search_filters
from chalicelib.evals.models import Dataset, Evaluation
from chalicelib.evals.runner import LogCollector, evaluate
from chalicelib.evals.store import EvalStore, Scope, is_item_id, new_id
from chalicelib.logstore import LogSearch
from chalicelib.timestamps import iso_utc

MAX_EVALUATION_DATASETS = 5
EVALUATION_FIELDS = ("name", "dataset_ids", "evaluation_type_ids")


def _now() -> str:
    return iso_utc(datetime.now(UTC))


class Evaluations:
    """The datasets and evaluations API's logic, for an authenticated account."""

    def __init__(
        self,
        accounts: AccountStore,
        store: EvalStore,
        collector: LogCollector,
        clock: Callable[[], str] = _now,
    ) -> None:
        self._accounts = accounts
        self._store = store
        self._collector = collector
        self._clock = clock

    # datasets

    def create_dataset(self, account_id: str, gateway_id: str, body: Any) -> Dataset:
        """A new dataset from `{name, enable, filters}`."""
        spec = parse_dataset(body)
        return self._store.create_dataset(self._scope(account_id, gateway_id), spec, self._clock())

    def list_datasets(self, account_id: str, gateway_id: str) -> list[Dataset]:
        """The gateway's datasets, newest first."""
        return self._store.list_datasets(self._scope(account_id, gateway_id))

    def get_dataset(self, account_id: str, gateway_id: str, dataset_id: str) -> Dataset:
        """One dataset; NotFound if the gateway has none of that id."""
        return self._dataset(self._scope(account_id, gateway_id), dataset_id)

    def update_dataset(
        self, account_id: str, gateway_id: str, dataset_id: str, body: Any
    ) -> Dataset:
        """Replace a dataset's name, enable and filters."""
        spec = parse_dataset(body)
        scope = self._scope(account_id, gateway_id)
        _check_item_id(dataset_id, "dataset")
        return self._store.update_dataset(scope, dataset_id, spec, self._clock())

    def delete_dataset(self, account_id: str, gateway_id: str, dataset_id: str) -> Dataset:
        """Delete a dataset (the evaluations that ran on it keep their copy)."""
        scope = self._scope(account_id, gateway_id)
        _check_item_id(dataset_id, "dataset")
        return self._store.delete_dataset(scope, dataset_id)

    # evaluations

    def run(self, account_id: str, gateway_id: str, body: Any) -> Evaluation:
        """Create an evaluation from `{name, dataset_ids, evaluation_type_ids}`: run each
        evaluator over the datasets' logs (bounded: chalicelib.evals.runner) and store it."""
        name, dataset_ids, type_ids = _evaluation_body(body)
        gateway, scope = self._gateway_scope(account_id, gateway_id)
        datasets = tuple(self._dataset(scope, dataset_id) for dataset_id in dataset_ids)
        for dataset in datasets:
            if not dataset.enable:
                raise BadRequest(f"dataset {dataset.id} is disabled (enable: false)")
        searches = [
            LogSearch(account_id, gateway_id, gateway.shard_count, search_filters(d.filters))
            for d in datasets
        ]
        collected = self._collector.collect(searches)
        now = self._clock()
        evaluation = Evaluation(
            id=new_id(),
            gateway_id=gateway_id,
            name=name,
            datasets=datasets,
            results=evaluate(collected, type_ids, now, new_id),
            total_logs=len(collected.samples),
            created_at=now,
        )
        self._store.create_evaluation(scope, evaluation)
        return evaluation

    def list_evaluations(self, account_id: str, gateway_id: str) -> list[Evaluation]:
        """The gateway's evaluations, newest first."""
        return self._store.list_evaluations(self._scope(account_id, gateway_id))

    def get_evaluation(self, account_id: str, gateway_id: str, evaluation_id: str) -> Evaluation:
        """One evaluation; NotFound if the gateway has none of that id."""
        scope = self._scope(account_id, gateway_id)
        _check_item_id(evaluation_id, "evaluation")
        evaluation = self._store.get_evaluation(scope, evaluation_id)
        if evaluation is None:
            raise NotFound(f"evaluation {evaluation_id} not found")
        return evaluation

    def delete_evaluation(self, account_id: str, gateway_id: str, evaluation_id: str) -> Evaluation:
        """Delete an evaluation."""
        scope = self._scope(account_id, gateway_id)
        _check_item_id(evaluation_id, "evaluation")
        return self._store.delete_evaluation(scope, evaluation_id)

    # a deleted gateway

    def forget(self, account_id: str, gateway_id: str) -> int:
        """Delete a gateway's datasets and evaluations (a cleanup of its deletion, run while
        its item is still there); returns how many items went."""
        gateway = self._accounts.get_gateway(account_id, gateway_id)
        if gateway is None:
            return 0
        return self._store.forget(Scope(account_id, gateway_id, gateway.created_at))

    def _scope(self, account_id: str, gateway_id: str) -> Scope:
        return self._gateway_scope(account_id, gateway_id)[1]

    def _gateway_scope(self, account_id: str, gateway_id: str) -> tuple[Gateway, Scope]:
        """The open gateway and its scope; NotFound when it is absent or being deleted."""
        gateway = (
            self._accounts.get_gateway(account_id, gateway_id)
            if is_gateway_address(account_id, gateway_id)
            else None
        )
        if gateway is None or gateway.deleting:
            raise NotFound(f"gateway {gateway_id} not found")
        return gateway, Scope(account_id, gateway_id, gateway.created_at)

    def _dataset(self, scope: Scope, dataset_id: str) -> Dataset:
        _check_item_id(dataset_id, "dataset")
        dataset = self._store.get_dataset(scope, dataset_id)
        if dataset is None:
            raise NotFound(f"dataset {dataset_id} not found")
        return dataset


def _check_item_id(item_id: str, noun: str) -> None:
    """NotFound (without a read) for an id no dataset or evaluation can have."""
    if not is_item_id(item_id):
        raise NotFound(f"{noun} not found")


def _evaluation_body(body: Any) -> tuple[str, list[str], list[str]]:
    if not isinstance(body, dict):
        raise BadRequest(
            "the request body must be a JSON object with name, dataset_ids, evaluation_type_ids"
        )
    unknown = sorted(set(body) - set(EVALUATION_FIELDS))
    if unknown:
        raise BadRequest(
            f"unknown field {unknown[0][:40]!r}; an evaluation has name, dataset_ids, "
            "evaluation_type_ids"
        )
    missing = [name for name in EVALUATION_FIELDS if name not in body]
    if missing:
        raise BadRequest(f"missing field {missing[0]!r}")
    dataset_ids = _id_list(body["dataset_ids"], "dataset_ids", MAX_EVALUATION_DATASETS)
    type_ids = _id_list(body["evaluation_type_ids"], "evaluation_type_ids", len(BY_ID))
    for type_id in type_ids:
        if type_id not in BY_ID:
            raise BadRequest(f"unknown evaluation type {type_id[:40]!r}; known: {', '.join(BY_ID)}")
    return check_name(body["name"]), dataset_ids, type_ids


def _id_list(value: Any, name: str, most: int) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise BadRequest(f"{name} must be an array of strings")
    if not 1 <= len(value) <= most:
        raise BadRequest(f"{name} must hold 1 to {most} ids")
    if len(set(value)) != len(value):
        raise BadRequest(f"{name} holds an id twice")
    return value
