"""Evaluations over stored logs: results against a brute-force computation over the same
logs, datasets unioned, the cap and the time budget."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from chalicelib import aws
from chalicelib.accounts.store import AccountStore
from chalicelib.errors import BadRequest, NotFound
from chalicelib.evals import runner
from chalicelib.evals.datasets import parse_dataset, search_filters
from chalicelib.evals.models import COMPLETE, PARTIAL, Evaluation
from chalicelib.evals.runner import LogCollector
from chalicelib.evals.service import Evaluations
from chalicelib.evals.store import EvalStore
from chalicelib.logstore.filters import matches
from chalicelib.logstore.record import LogRecord
from chalicelib.logstore.search import LogSearcher
from chalicelib.settings import Settings
from tests.support.tenants import Tenant
from tests.unit.evals.conftest import seed_logs

ALL = ["cost", "speed", "human-feedback"]
MINI = [{"key": "model", "operator": "eq", "value": ["gpt-4o-mini"]}]
PRICEY = [{"key": "cost", "operator": "gt", "value": [0.05]}]


def _dataset(service: Evaluations, tenant: Tenant, filters: list[Any], enable: bool = True) -> str:
    body = {"name": "d", "enable": enable, "filters": filters}
    return service.create_dataset(tenant.account_id, tenant.gateway_id, body).id


def _run(service: Evaluations, tenant: Tenant, dataset_ids: list[str]) -> Evaluation:
    body = {"name": "e", "dataset_ids": dataset_ids, "evaluation_type_ids": ALL}
    return service.run(tenant.account_id, tenant.gateway_id, body)


def _selected(records: list[LogRecord], *filter_lists: list[Any]) -> list[LogRecord]:
    searches = [
        search_filters(parse_dataset({"name": "x", "enable": True, "filters": f}).filters)
        for f in filter_lists
    ]
    return [r for r in records if any(matches(r, s) for s in searches)]


def _metrics(evaluation: Evaluation) -> dict[str, tuple[dict[str, Any], int, int]]:
    return {
        r.evaluation_type_id: (json.loads(r.result), r.total_logs, r.status)
        for r in evaluation.results
    }


def test_results_match_brute_force_over_the_union_of_datasets(
    service: Evaluations, accounts: AccountStore, tenant: Tenant
) -> None:
    records = seed_logs(accounts, tenant, 90)
    evaluation = _run(
        service, tenant, [_dataset(service, tenant, MINI), _dataset(service, tenant, PRICEY)]
    )
    chosen = _selected(records, MINI, PRICEY)
    assert 0 < len(chosen) < len(records)
    assert evaluation.total_logs == len(chosen)
    got = _metrics(evaluation)

    costs = [r.cost for r in chosen if r.cost is not None]
    cost, cost_logs, status = got["cost"]
    assert (cost_logs, status) == (len(costs), COMPLETE)
    assert cost["total_cost"] == float(sum(costs, Decimal(0)))
    assert cost["average_cost"] == pytest.approx(float(sum(costs)) / len(costs))

    durations = sorted(r.duration for r in chosen)
    speed, speed_logs, _ = got["speed"]
    assert speed_logs == len(chosen)
    assert speed["average_duration"] == pytest.approx(sum(durations) / len(durations))
    assert (speed["min_duration"], speed["max_duration"]) == (durations[0], durations[-1])

    up = sum(1 for r in chosen if r.feedback == 1)
    down = sum(1 for r in chosen if r.feedback == -1)
    liked, liked_logs, _ = got["human-feedback"]
    assert liked_logs == up + down and liked["positive"] == up
    assert liked["positive_percent"] == pytest.approx(100 * up / (up + down))
    descriptions = {r.evaluation_type_id: r.status_description for r in evaluation.results}
    assert (
        descriptions["cost"]
        == f"completed: {len(costs)} of the {len(chosen)} logs have a known cost"
    )


def test_a_dataset_without_filters_is_every_log(
    service: Evaluations, accounts: AccountStore, tenant: Tenant
) -> None:
    records = seed_logs(accounts, tenant, 30)
    assert _run(service, tenant, [_dataset(service, tenant, [])]).total_logs == len(records)


@pytest.fixture
def capped(settings: Settings, accounts: AccountStore, store: EvalStore) -> Iterator[Evaluations]:
    yield Evaluations(
        accounts, store, LogCollector(LogSearcher(aws.table(settings.logs_table)), max_logs=10)
    )


def test_the_cap_bounds_a_run_and_says_so(
    capped: Evaluations, accounts: AccountStore, tenant: Tenant
) -> None:
    records = seed_logs(accounts, tenant, 25)
    evaluation = _run(capped, tenant, [_dataset(capped, tenant, [])])
    assert evaluation.total_logs == 10
    newest = sorted(records, key=lambda r: r.id)[-10:]
    speed = _metrics(evaluation)["speed"]
    assert speed[0]["max_duration"] == max(r.duration for r in newest)
    assert {r.status for r in evaluation.results} == {PARTIAL}
    assert all("capped at 10 logs; more match" in r.status_description for r in evaluation.results)


def test_exactly_the_cap_is_complete(
    capped: Evaluations, accounts: AccountStore, tenant: Tenant
) -> None:
    seed_logs(accounts, tenant, 10)
    evaluation = _run(capped, tenant, [_dataset(capped, tenant, [])])
    assert evaluation.total_logs == 10 and {r.status for r in evaluation.results} == {COMPLETE}


def test_the_time_budget_stops_a_run(
    settings: Settings,
    accounts: AccountStore,
    store: EvalStore,
    tenant: Tenant,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seed_logs(accounts, tenant, 12)
    monkeypatch.setattr(runner, "PAGE_SIZE", 5)
    ticks = iter(range(0, 1000, 10))
    collector = LogCollector(
        LogSearcher(aws.table(settings.logs_table)), budget_s=15, clock=lambda: next(ticks)
    )
    slow = Evaluations(accounts, store, collector)
    evaluation = _run(slow, tenant, [_dataset(slow, tenant, [])])
    assert evaluation.total_logs == 10  # two pages of 5, then the budget was spent
    assert all("time budget of 15 s spent" in r.status_description for r in evaluation.results)


def test_what_a_run_refuses(service: Evaluations, tenant: Tenant) -> None:
    disabled = _dataset(service, tenant, [], enable=False)
    with pytest.raises(BadRequest, match="disabled"):
        _run(service, tenant, [disabled])
    with pytest.raises(NotFound, match="dataset"):
        _run(service, tenant, ["9b2f6d4c-4c53-4b8e-9a7e-0d5d3c6f1a2b"])
    with pytest.raises(NotFound, match="dataset not found"):
        _run(service, tenant, ["../x"])
    bodies = [
        ({"name": "e", "dataset_ids": [disabled], "evaluation_type_ids": ["taste"]}, "taste"),
        ({"name": "e", "dataset_ids": [], "evaluation_type_ids": ["cost"]}, "1 to 5"),
        ({"name": "e", "dataset_ids": [disabled] * 2, "evaluation_type_ids": ["cost"]}, "twice"),
        ({"name": "e", "dataset_ids": [1], "evaluation_type_ids": ["cost"]}, "array of strings"),
        ({"name": "e", "dataset_ids": [disabled]}, "missing field 'evaluation_type_ids'"),
        ({"name": "", "dataset_ids": [disabled], "evaluation_type_ids": ["cost"]}, "name"),
        ({"name": "e", "dataset_ids": [disabled], "evaluation_type_ids": ["cost"], "x": 1}, "'x'"),
        ("run", "JSON object"),
    ]
    for body, message in bodies:
        with pytest.raises(BadRequest, match=message):
            service.run(tenant.account_id, tenant.gateway_id, body)
