"""Datasets and evaluations in the control table.

A gateway's datasets and evaluations share one partition, `EVALS#{account}#{gateway}#{its
created_at}`: a gateway deleted and created again under the same id starts from an empty
partition, so nothing of the old one can be seen even if the deletion's cleanup (`forget`)
failed. The partition's `#COUNTS` item counts both, so that their number per gateway is
capped exactly (a conditional counter moved in the same transaction as the item).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from boto3.dynamodb.conditions import Key

from chalicelib import dynamo
from chalicelib.errors import BadRequest, NotFound
from chalicelib.evals.datasets import DatasetFilter, DatasetSpec
from chalicelib.evals.models import Dataset, Evaluation, EvaluationResult

if TYPE_CHECKING:  # the boto3 type stubs are a development dependency only
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.service_resource import Table

MAX_PER_GATEWAY = 100
"""Datasets a gateway has at most, and evaluations likewise."""
COUNTS_SK = "#COUNTS"
DATASET, EVALUATION = "DATASET#", "EVALUATION#"
_COUNTERS = {DATASET: "dataset_count", EVALUATION: "evaluation_count"}
_NOUNS = {DATASET: "datasets", EVALUATION: "evaluations"}


def new_id() -> str:
    """A fresh dataset, evaluation or result id (a UUID)."""
    return str(uuid.uuid4())


def is_item_id(value: str) -> bool:
    """True when `value` can be a dataset or evaluation id (else it is not looked up)."""
    try:
        return str(uuid.UUID(value)) == value
    except ValueError:
        return False


@dataclass(frozen=True)
class Scope:
    """One gateway's datasets and evaluations: `incarnation` is the gateway's created_at."""

    account_id: str
    gateway_id: str
    incarnation: str

    @property
    def pk(self) -> str:
        """The partition of the control table that holds them."""
        return f"EVALS#{self.account_id}#{self.gateway_id}#{self.incarnation}"


class EvalStore:
    """Datasets and evaluations of gateways."""

    def __init__(
        self, table: Table, client: DynamoDBClient, max_per_gateway: int = MAX_PER_GATEWAY
    ) -> None:
        """`table`: the control table's resource; `client`: a low-level client (for
        transactions in wire format)."""
        self._table = table
        self._client = client
        self._max = max_per_gateway

    # datasets

    def create_dataset(self, scope: Scope, spec: DatasetSpec, now: str) -> Dataset:
        """Store a new dataset; BadRequest past the gateway's most."""
        dataset = Dataset(
            new_id(),
            scope.account_id,
            scope.gateway_id,
            spec.name,
            spec.enable,
            spec.filters,
            now,
            now,
        )
        self._create(scope, DATASET, dataset.id, _dataset_item(dataset))
        return dataset

    def get_dataset(self, scope: Scope, dataset_id: str) -> Dataset | None:
        """The dataset, or None."""
        item = self._get(scope, DATASET, dataset_id)
        return _dataset(scope, item) if item else None

    def list_datasets(self, scope: Scope) -> list[Dataset]:
        """Every dataset of the gateway, newest first."""
        found = [_dataset(scope, item) for item in self._query(scope, DATASET)]
        return sorted(found, key=lambda d: (d.created_at, d.id), reverse=True)

    def update_dataset(self, scope: Scope, dataset_id: str, spec: DatasetSpec, now: str) -> Dataset:
        """Replace a dataset's name, enable and filters; NotFound if it does not exist."""
        try:
            item = self._table.update_item(
                Key={"pk": scope.pk, "sk": DATASET + dataset_id},
                UpdateExpression="SET #name = :name, #enable = :enable, #filters = :filters,"
                " #modified = :now",
                ConditionExpression="attribute_exists(sk)",
                ExpressionAttributeNames={
                    "#name": "name",
                    "#enable": "enable",
                    "#filters": "filters",
                    "#modified": "modified_at",
                },
                ExpressionAttributeValues={
                    ":name": spec.name,
                    ":enable": spec.enable,
                    ":filters": _filters_item(spec.filters),
                    ":now": now,
                },
                ReturnValues="ALL_NEW",
            )["Attributes"]
        except self._client.exceptions.ConditionalCheckFailedException:
            raise NotFound(f"dataset {dataset_id} not found") from None
        return _dataset(scope, item)

    def delete_dataset(self, scope: Scope, dataset_id: str) -> Dataset:
        """Delete a dataset (evaluations keep their copy); NotFound if it does not exist."""
        item = self._delete(scope, DATASET, dataset_id, "dataset")
        return _dataset(scope, item)

    # evaluations

    def create_evaluation(self, scope: Scope, evaluation: Evaluation) -> None:
        """Store an evaluation that has run; BadRequest past the gateway's most."""
        self._create(scope, EVALUATION, evaluation.id, _evaluation_item(evaluation))

    def get_evaluation(self, scope: Scope, evaluation_id: str) -> Evaluation | None:
        """The evaluation, or None."""
        item = self._get(scope, EVALUATION, evaluation_id)
        return _evaluation(scope, item) if item else None

    def list_evaluations(self, scope: Scope) -> list[Evaluation]:
        """Every evaluation of the gateway, newest first."""
        found = [_evaluation(scope, item) for item in self._query(scope, EVALUATION)]
        return sorted(found, key=lambda e: (e.created_at, e.id), reverse=True)

    def delete_evaluation(self, scope: Scope, evaluation_id: str) -> Evaluation:
        """Delete an evaluation; NotFound if it does not exist."""
        return _evaluation(scope, self._delete(scope, EVALUATION, evaluation_id, "evaluation"))

    # a deleted gateway

    def forget(self, scope: Scope) -> int:
        """Delete everything of a gateway's partition; return how many items went."""
        condition = Key("pk").eq(scope.pk)
        found = dynamo.items(
            self._table.query, **dynamo.key_condition(condition), ProjectionExpression="pk, sk"
        )
        keys = ({"pk": item["pk"], "sk": item["sk"]} for item in found)
        client = self._table.meta.client  # takes Python values, as the Table does
        return dynamo.delete_keys(client, self._table.name, keys, complete=True)

    # items

    def _create(self, scope: Scope, kind: str, item_id: str, fields: dict[str, Any]) -> None:
        counter = _COUNTERS[kind]
        item = {"pk": scope.pk, "sk": kind + item_id, **fields}
        transaction = (
            dynamo.Transaction()
            .add("item", dynamo.put(self._table.name, item, "attribute_not_exists(sk)"))
            .add(
                "count",
                dynamo.update(
                    self._table.name,
                    {"pk": scope.pk, "sk": COUNTS_SK},
                    f"ADD {counter} :one",
                    {":one": 1, ":max": self._max},
                    f"attribute_not_exists({counter}) OR {counter} < :max",
                ),
            )
        )
        failure = dynamo.transact(self._client, transaction)
        if failure is not None and failure.label == "count":
            raise BadRequest(f"a gateway has at most {self._max} {_NOUNS[kind]}: delete some first")
        if failure is not None:
            raise RuntimeError(f"id {item_id} is taken")  # a UUID: never

    def _get(self, scope: Scope, kind: str, item_id: str) -> dict[str, Any] | None:
        key = {"pk": scope.pk, "sk": kind + item_id}
        return self._table.get_item(Key=key, ConsistentRead=True).get("Item")

    def _query(self, scope: Scope, kind: str) -> list[dict[str, Any]]:
        condition = Key("pk").eq(scope.pk) & Key("sk").begins_with(kind)
        # dynamo.items takes a Callable[..., dict[str, Any]]; the stubs' answer is a TypedDict
        query = cast("Callable[..., dict[str, Any]]", self._table.query)
        return list(dynamo.items(query, **dynamo.key_condition(condition), ConsistentRead=True))

    def _delete(self, scope: Scope, kind: str, item_id: str, noun: str) -> dict[str, Any]:
        item = self._get(scope, kind, item_id)
        if item is None:
            raise NotFound(f"{noun} {item_id} not found")
        counter = _COUNTERS[kind]
        transaction = (
            dynamo.Transaction()
            .add(
                "item",
                dynamo.delete(
                    self._table.name, {"pk": scope.pk, "sk": kind + item_id}, "attribute_exists(sk)"
                ),
            )
            .add(
                "count",
                dynamo.update(
                    self._table.name,
                    {"pk": scope.pk, "sk": COUNTS_SK},
                    f"ADD {counter} :minus_one",
                    {":minus_one": -1},
                ),
            )
        )
        if dynamo.transact(self._client, transaction) is not None:
            raise NotFound(f"{noun} {item_id} not found")  # deleted meanwhile
        return item


def _filters_item(filters: tuple[DatasetFilter, ...]) -> list[dict[str, Any]]:
    return [dynamo.storable(f.to_api()) for f in filters]


def _dataset_item(dataset: Dataset) -> dict[str, Any]:
    return {
        "id": dataset.id,
        "name": dataset.name,
        "enable": dataset.enable,
        "filters": _filters_item(dataset.filters),
        "created_at": dataset.created_at,
        "modified_at": dataset.modified_at,
    }


def _dataset(scope: Scope, item: dict[str, Any]) -> Dataset:
    filters = tuple(
        DatasetFilter(f["key"], f["operator"], tuple(_plain(v) for v in f["value"]))
        for f in item["filters"]
    )
    return Dataset(
        id=item["id"],
        account_id=scope.account_id,
        gateway_id=scope.gateway_id,
        name=item["name"],
        enable=bool(item["enable"]),
        filters=filters,
        created_at=item["created_at"],
        modified_at=item["modified_at"],
    )


def _evaluation_item(evaluation: Evaluation) -> dict[str, Any]:
    return {
        "id": evaluation.id,
        "name": evaluation.name,
        "datasets": [_dataset_item(d) for d in evaluation.datasets],
        "results": [
            {
                "id": r.id,
                "evaluation_type_id": r.evaluation_type_id,
                "result": r.result,
                "status": r.status,
                "status_description": r.status_description,
                "total_logs": r.total_logs,
                "created_at": r.created_at,
            }
            for r in evaluation.results
        ],
        "total_logs": evaluation.total_logs,
        "created_at": evaluation.created_at,
    }


def _evaluation(scope: Scope, item: dict[str, Any]) -> Evaluation:
    results = tuple(
        EvaluationResult(
            id=r["id"],
            evaluation_type_id=r["evaluation_type_id"],
            result=r["result"],
            status=int(r["status"]),
            status_description=r["status_description"],
            total_logs=int(r["total_logs"]),
            created_at=r["created_at"],
        )
        for r in item["results"]
    )
    return Evaluation(
        id=item["id"],
        gateway_id=scope.gateway_id,
        name=item["name"],
        datasets=tuple(_dataset(scope, d) for d in item["datasets"]),
        results=results,
        total_logs=int(item["total_logs"]),
        created_at=item["created_at"],
    )


def _plain(value: Any) -> Any:
    """A stored filter value as sent: numbers as int when integral, else float."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value
