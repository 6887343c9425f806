"""The Cloudflare-compatible datasets, evaluations and evaluation-types API: query
parameters, pages and the envelope around chalicelib.evals."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from chalicelib.api.management import (
    DEFAULT_PER_PAGE,
    MAX_PAGE_OFFSET,
    MAX_PER_PAGE,
    QueryParams,
    bool_param,
    int_param,
    last_param,
)
from chalicelib.edge import success
from chalicelib.errors import BadRequest
from chalicelib.evals import EVALUATION_TYPES, Dataset, Evaluation, Evaluations, EvaluationType

MAX_SEARCH_LENGTH = 200
TYPE_ORDERS = ("id", "name", "type", "created_at", "modified_at")

Item = TypeVar("Item")


class EvalsApi:
    """Datasets, evaluations and evaluation types of one account (authenticated)."""

    def __init__(self, evaluations: Evaluations) -> None:
        self._evaluations = evaluations

    def list_evaluation_types(self, params: QueryParams) -> dict[str, Any]:
        """GET /accounts/{a}/ai-gateway/evaluation-types (order_by, order_by_direction)."""
        order_by = last_param(params, "order_by")
        if order_by and order_by not in TYPE_ORDERS:
            raise BadRequest(f"order_by must be one of: {', '.join(TYPE_ORDERS)}")
        direction = last_param(params, "order_by_direction")
        if direction not in ("", "asc", "desc"):
            raise BadRequest("order_by_direction must be asc or desc")
        kinds: list[EvaluationType] = list(EVALUATION_TYPES)
        if order_by:
            kinds.sort(key=lambda kind: str(kind.to_api()[order_by]))
        if direction == "desc":
            kinds.reverse()
        return _page(kinds, params, EvaluationType.to_api)

    def list_datasets(
        self, account_id: str, gateway_id: str, params: QueryParams
    ) -> dict[str, Any]:
        """GET .../gateways/{g}/datasets: enable, name (exact), search (id, name, filters)."""
        enable = bool_param(params, "enable")
        name = last_param(params, "name")
        search = _search(params)
        datasets = [
            dataset
            for dataset in self._evaluations.list_datasets(account_id, gateway_id)
            if (enable is None or dataset.enable == enable)
            and (not name or dataset.name == name)
            and (not search or search in _dataset_text(dataset))
        ]
        return _page(datasets, params, Dataset.to_api)

    def create_dataset(self, account_id: str, gateway_id: str, body: Any) -> dict[str, Any]:
        """POST .../gateways/{g}/datasets."""
        return success(self._evaluations.create_dataset(account_id, gateway_id, body).to_api())

    def get_dataset(self, account_id: str, gateway_id: str, dataset_id: str) -> dict[str, Any]:
        """GET .../datasets/{id}."""
        return success(self._evaluations.get_dataset(account_id, gateway_id, dataset_id).to_api())

    def update_dataset(
        self, account_id: str, gateway_id: str, dataset_id: str, body: Any
    ) -> dict[str, Any]:
        """PUT .../datasets/{id}."""
        evaluations = self._evaluations
        return success(
            evaluations.update_dataset(account_id, gateway_id, dataset_id, body).to_api()
        )

    def delete_dataset(self, account_id: str, gateway_id: str, dataset_id: str) -> dict[str, Any]:
        """DELETE .../datasets/{id}: answers the deleted dataset."""
        evaluations = self._evaluations
        return success(evaluations.delete_dataset(account_id, gateway_id, dataset_id).to_api())

    def list_evaluations(
        self, account_id: str, gateway_id: str, params: QueryParams
    ) -> dict[str, Any]:
        """GET .../gateways/{g}/evaluations: name (exact), processed, search (id, name)."""
        processed = bool_param(params, "processed")
        name = last_param(params, "name")
        search = _search(params)
        found = [
            evaluation
            for evaluation in self._evaluations.list_evaluations(account_id, gateway_id)
            if (processed is None or evaluation.processed == processed)
            and (not name or evaluation.name == name)
            and (not search or search in f"{evaluation.id}\n{evaluation.name}".casefold())
        ]
        return _page(found, params, Evaluation.to_api)

    def create_evaluation(self, account_id: str, gateway_id: str, body: Any) -> dict[str, Any]:
        """POST .../gateways/{g}/evaluations: runs the evaluators, answers the results."""
        return success(self._evaluations.run(account_id, gateway_id, body).to_api())

    def get_evaluation(
        self, account_id: str, gateway_id: str, evaluation_id: str
    ) -> dict[str, Any]:
        """GET .../evaluations/{id}."""
        evaluations = self._evaluations
        return success(evaluations.get_evaluation(account_id, gateway_id, evaluation_id).to_api())

    def delete_evaluation(
        self, account_id: str, gateway_id: str, evaluation_id: str
    ) -> dict[str, Any]:
        """DELETE .../evaluations/{id}: answers the deleted evaluation."""
        evaluations = self._evaluations
        deleted = evaluations.delete_evaluation(account_id, gateway_id, evaluation_id)
        return success(deleted.to_api())


def _page(
    items: Sequence[Item], params: QueryParams, to_api: Callable[[Item], dict[str, Any]]
) -> dict[str, Any]:
    """One page (page, per_page) of `items`, with Cloudflare's result_info; a page past the
    end is empty (the SDK's auto-pagination stops there)."""
    per_page = int_param(params, "per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE)
    page = int_param(params, "page", 1, 1, MAX_PAGE_OFFSET)
    chunk = items[(page - 1) * per_page : page * per_page]
    info = {"page": page, "per_page": per_page, "count": len(chunk), "total_count": len(items)}
    return success([to_api(item) for item in chunk], info)


def _search(params: QueryParams) -> str:
    search = last_param(params, "search")
    if len(search) > MAX_SEARCH_LENGTH:
        raise BadRequest(f"search is longer than {MAX_SEARCH_LENGTH} characters")
    return search.casefold()


def _dataset_text(dataset: Dataset) -> str:
    """What `search` looks in: the id, the name and each filter's key and values."""
    parts = [dataset.id, dataset.name]
    for item in dataset.filters:
        parts += [item.key, *(str(value) for value in item.value)]
    return "\n".join(parts).casefold()
