"""Datasets and evaluations in the control table: round trips, the exact per-gateway cap,
and nothing of a deleted gateway visible to one created again under its id."""

from __future__ import annotations

import pytest

from chalicelib import aws, wiring
from chalicelib.accounts.store import AccountStore
from chalicelib.errors import BadRequest, NotFound
from chalicelib.evals.datasets import DatasetFilter, DatasetSpec
from chalicelib.evals.models import Dataset, Evaluation, EvaluationResult
from chalicelib.evals.service import Evaluations
from chalicelib.evals.store import EvalStore, Scope
from chalicelib.settings import Settings
from tests.support.tenants import Tenant

NOW = "2026-06-01T00:00:00.000Z"
LATER = "2026-06-02T00:00:00.000Z"
SPEC = DatasetSpec(
    "cheap",
    True,
    (
        DatasetFilter("cost", "lt", (0.25,)),
        DatasetFilter("tokens", "gt", (12,)),
        DatasetFilter("metadata.value", "eq", ("u1", 3, True, None)),
    ),
)


def _scope(accounts: AccountStore, tenant: Tenant) -> Scope:
    gateway = accounts.get_gateway(tenant.account_id, tenant.gateway_id)
    assert gateway is not None
    return Scope(tenant.account_id, tenant.gateway_id, gateway.created_at)


def _evaluation(scope: Scope, evaluation_id: str) -> Evaluation:
    dataset = Dataset(
        "d1", scope.account_id, scope.gateway_id, "cheap", True, SPEC.filters, NOW, NOW
    )
    result = EvaluationResult("r1", "cost", '{"total_cost":0.5}', 1, "completed", 4, NOW)
    return Evaluation(evaluation_id, scope.gateway_id, "run", (dataset,), (result,), 9, NOW)


def test_datasets_round_trip_as_sent(
    store: EvalStore, accounts: AccountStore, tenant: Tenant
) -> None:
    scope = _scope(accounts, tenant)
    created = store.create_dataset(scope, SPEC, NOW)
    assert store.get_dataset(scope, created.id) == created
    assert created.filters == SPEC.filters
    renamed = DatasetSpec("dear", False, (DatasetFilter("model", "contains", ("gpt",)),))
    updated = store.update_dataset(scope, created.id, renamed, LATER)
    assert (updated.name, updated.enable, updated.filters) == ("dear", False, renamed.filters)
    assert (updated.created_at, updated.modified_at) == (NOW, LATER)
    newer = store.create_dataset(scope, SPEC, LATER)
    assert [d.id for d in store.list_datasets(scope)] == [newer.id, created.id]
    assert store.delete_dataset(scope, created.id) == updated
    assert store.get_dataset(scope, created.id) is None
    with pytest.raises(NotFound):
        store.delete_dataset(scope, created.id)
    with pytest.raises(NotFound):
        store.update_dataset(scope, created.id, SPEC, LATER)


def test_evaluations_round_trip(store: EvalStore, accounts: AccountStore, tenant: Tenant) -> None:
    scope = _scope(accounts, tenant)
    evaluation = _evaluation(scope, "e1")
    store.create_evaluation(scope, evaluation)
    assert store.get_evaluation(scope, "e1") == evaluation
    assert store.list_evaluations(scope) == [evaluation]
    assert store.delete_evaluation(scope, "e1") == evaluation
    assert store.list_evaluations(scope) == []


def test_the_cap_per_gateway_is_exact(
    settings: Settings, accounts: AccountStore, tenant: Tenant
) -> None:
    table = aws.table(settings.control_table)
    store = EvalStore(table, aws.client("dynamodb"), max_per_gateway=2)
    scope = _scope(accounts, tenant)
    first = store.create_dataset(scope, SPEC, NOW)
    store.create_dataset(scope, SPEC, NOW)
    with pytest.raises(BadRequest, match="at most 2 datasets"):
        store.create_dataset(scope, SPEC, NOW)
    store.create_evaluation(scope, _evaluation(scope, "e1"))
    store.create_evaluation(scope, _evaluation(scope, "e2"))
    with pytest.raises(BadRequest, match="at most 2 evaluations"):
        store.create_evaluation(scope, _evaluation(scope, "e3"))
    store.delete_dataset(scope, first.id)
    store.create_dataset(scope, SPEC, NOW)  # room again
    assert len(store.list_datasets(scope)) == 2 and len(store.list_evaluations(scope)) == 2
    counts = table.get_item(Key={"pk": scope.pk, "sk": "#COUNTS"})["Item"]
    assert (counts["dataset_count"], counts["evaluation_count"]) == (2, 2)


def test_deleting_a_gateway_deletes_its_datasets_and_evaluations(
    settings: Settings,
    service: Evaluations,
    store: EvalStore,
    accounts: AccountStore,
    tenant: Tenant,
) -> None:
    scope = _scope(accounts, tenant)
    dataset = service.create_dataset(
        tenant.account_id, tenant.gateway_id, {"name": "d", "enable": True, "filters": []}
    )
    service.run(
        tenant.account_id,
        tenant.gateway_id,
        {"name": "e", "dataset_ids": [dataset.id], "evaluation_type_ids": ["cost"]},
    )
    wiring.management_api().delete_gateway(tenant.account_id, tenant.gateway_id)
    items = aws.table(settings.control_table).query(
        KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": scope.pk}
    )["Items"]
    assert items == []
    with pytest.raises(NotFound, match="gateway"):
        service.list_datasets(tenant.account_id, tenant.gateway_id)


def test_a_gateway_created_again_sees_nothing_of_the_old_one(
    service: Evaluations, accounts: AccountStore, tenant: Tenant
) -> None:
    """Even when the deletion's cleanup failed: the old items live in another partition."""
    service.create_dataset(
        tenant.account_id, tenant.gateway_id, {"name": "d", "enable": True, "filters": []}
    )
    accounts.mark_deleting(tenant.account_id, tenant.gateway_id)
    accounts.remove_gateway(tenant.account_id, tenant.gateway_id)  # no cleanup ran
    accounts.create_gateway(tenant.account_id, tenant.gateway_id, {})
    assert service.list_datasets(tenant.account_id, tenant.gateway_id) == []
    assert service.list_evaluations(tenant.account_id, tenant.gateway_id) == []
