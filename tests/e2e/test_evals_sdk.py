"""Datasets, evaluations and evaluation types with the official Cloudflare SDK against the
running gateway: results checked against the logs they ran over, and another account
shut out of every endpoint."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import cloudflare
import openai
import pytest

from tests.support.gateway import Gateway, create_with_sdk

pytestmark = pytest.mark.e2e

GW = "evals-gw"
OTHER = "evals-other"
MINI = [{"key": "model", "operator": "eq", "value": ["gpt-4o-mini"]}]
TYPES = ["cost", "speed", "human-feedback"]


@pytest.fixture(scope="module")
def logs(gateway: Gateway, cf: cloudflare.Cloudflare) -> dict[str, list[str]]:
    """A fresh gateway with logs of two models, feedback on some of them."""
    create_with_sdk(cf, gateway.account, GW)
    client = openai.OpenAI(
        base_url=f"{gateway.url}/v1/{gateway.account}/{GW}/openai", api_key="sk-e2e", max_retries=0
    )
    ids: dict[str, list[str]] = {"gpt-4o-mini": [], "gpt-4o": []}
    for index in range(7):
        model = "gpt-4o" if index % 3 == 0 else "gpt-4o-mini"
        raw = client.chat.completions.with_raw_response.create(
            model=model, messages=[{"role": "user", "content": "x" * (index + 1) * 40}]
        )
        ids[model].append(raw.headers["aig-log-id"])
    for log_id, feedback in zip(ids["gpt-4o-mini"], (1, 1, -1, 0), strict=False):
        cf.ai_gateway.logs.edit(
            log_id, account_id=gateway.account, gateway_id=GW, feedback=feedback
        )
    cf.ai_gateway.logs.edit(
        ids["gpt-4o"][0], account_id=gateway.account, gateway_id=GW, feedback=-1
    )
    return ids


def test_an_evaluation_reports_the_figures_of_its_datasets_logs(
    gateway: Gateway, cf: cloudflare.Cloudflare, logs: dict[str, list[str]]
) -> None:
    account = gateway.account
    dataset = cf.ai_gateway.datasets.create(
        GW, account_id=account, enable=True, filters=MINI, name="mini"
    )
    assert (dataset.name, dataset.enable, dataset.gateway_id) == ("mini", True, GW)
    assert [f.model_dump() for f in dataset.filters] == MINI
    run = cf.ai_gateway.evaluations.create(
        GW, account_id=account, dataset_ids=[dataset.id], evaluation_type_ids=TYPES, name="nightly"
    )
    chosen = [
        cf.ai_gateway.logs.get(i, account_id=account, gateway_id=GW) for i in logs["gpt-4o-mini"]
    ]
    assert run.processed and run.total_logs == len(chosen) == 4
    assert [d.id for d in run.datasets] == [dataset.id] and run.datasets[0].account_id == account
    results = {r.evaluation_type_id: r for r in run.results}
    assert set(results) == set(TYPES) and {r.evaluation_id for r in run.results} == {run.id}
    assert {r.status for r in run.results} == {1}

    costs = [Decimal(str(log.cost)) for log in chosen if log.cost is not None]
    cost = json.loads(results["cost"].result)
    assert results["cost"].total_logs == len(costs) == 4
    assert cost["total_cost"] == pytest.approx(float(sum(costs)))
    assert cost["average_cost"] == pytest.approx(float(sum(costs)) / len(costs))
    durations = sorted(log.duration for log in chosen)
    speed = json.loads(results["speed"].result)
    assert speed["average_duration"] == pytest.approx(sum(durations) / len(durations))
    assert (speed["min_duration"], speed["p50_duration"], speed["max_duration"]) == (
        durations[0],
        durations[2],
        durations[-1],
    )
    liked = json.loads(results["human-feedback"].result)
    assert results["human-feedback"].total_logs == 3  # 1, 1, -1 (0 is not rated)
    assert liked == {"positive_percent": pytest.approx(200 / 3), "positive": 2, "negative": 1}

    again = cf.ai_gateway.evaluations.get(run.id, account_id=account, gateway_id=GW)
    assert again.model_dump() == run.model_dump()


def test_crud_lists_and_pages(
    gateway: Gateway, cf: cloudflare.Cloudflare, logs: dict[str, list[str]]
) -> None:
    account = gateway.account
    made = [
        cf.ai_gateway.datasets.create(
            GW, account_id=account, enable=index != 1, filters=[], name=f"page-{index}"
        )
        for index in range(3)
    ]
    listed = [
        d.id
        for d in cf.ai_gateway.datasets.list(GW, account_id=account, per_page=1, search="page-")
    ]
    assert listed == [d.id for d in reversed(made)]  # newest first, every page followed
    disabled = cf.ai_gateway.datasets.list(GW, account_id=account, enable=False)
    assert [d.id for d in disabled.result] == [made[1].id]
    updated = cf.ai_gateway.datasets.update(
        made[0].id,
        account_id=account,
        gateway_id=GW,
        enable=True,
        filters=MINI,
        name="renamed",
    )
    assert updated.name == "renamed" and updated.modified_at >= updated.created_at
    with pytest.raises(cloudflare.BadRequestError, match="disabled"):
        cf.ai_gateway.evaluations.create(
            GW, account_id=account, dataset_ids=[made[1].id], evaluation_type_ids=["cost"], name="x"
        )
    run = cf.ai_gateway.evaluations.create(
        GW,
        account_id=account,
        dataset_ids=[made[0].id, made[2].id],
        evaluation_type_ids=["speed"],
        name="union",
    )
    assert run.total_logs == sum(len(ids) for ids in logs.values())  # every log, each once
    assert run.id in [
        e.id for e in cf.ai_gateway.evaluations.list(GW, account_id=account, name="union")
    ]
    assert (
        cf.ai_gateway.datasets.delete(made[0].id, account_id=account, gateway_id=GW).id
        == made[0].id
    )
    with pytest.raises(cloudflare.NotFoundError):
        cf.ai_gateway.datasets.get(made[0].id, account_id=account, gateway_id=GW)
    assert cf.ai_gateway.evaluations.delete(run.id, account_id=account, gateway_id=GW).id == run.id
    with pytest.raises(cloudflare.NotFoundError):
        cf.ai_gateway.evaluations.get(run.id, account_id=account, gateway_id=GW)
    types = cf.ai_gateway.evaluation_types.list(account_id=account)
    assert [t.id for t in types] == TYPES and all(t.enable and not t.mandatory for t in types)


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        (
            [{"key": "cost", "operator": "contains", "value": [1]}],
            "not valid for number key 'cost'",
        ),
        ([{"key": "tokens_in", "operator": "gt", "value": ["many"]}], "invalid value"),
        ([{"key": "colour", "operator": "eq", "value": ["red"]}], "unknown filter key 'colour'"),
    ],
)
def test_a_filter_the_store_cannot_answer_is_a_400(
    gateway: Gateway,
    cf: cloudflare.Cloudflare,
    logs: dict[str, list[str]],
    filters: Any,
    message: str,
) -> None:
    with pytest.raises(cloudflare.BadRequestError, match=message) as refused:
        cf.ai_gateway.datasets.create(
            GW, account_id=gateway.account, enable=True, filters=filters, name="bad"
        )
    body = refused.value.response.json()
    assert body["success"] is False and body["result"] is None


def test_another_account_can_neither_see_nor_run_nor_delete(
    gateway: Gateway, cf: cloudflare.Cloudflare, logs: dict[str, list[str]]
) -> None:
    account = gateway.account
    dataset = cf.ai_gateway.datasets.create(
        GW, account_id=account, enable=True, filters=[], name="mine"
    )
    run = cf.ai_gateway.evaluations.create(
        GW, account_id=account, dataset_ids=[dataset.id], evaluation_type_ids=["cost"], name="mine"
    )
    accounts = gateway.accounts()
    accounts.create_account(OTHER, plan="paid")
    accounts.create_gateway(OTHER, GW, {})
    token = accounts.issue_token(OTHER, name="e2e").token
    other = cloudflare.Cloudflare(api_token=token, base_url=gateway.url, max_retries=0)
    sets, runs = other.ai_gateway.datasets, other.ai_gateway.evaluations

    def every_endpoint(target: str) -> list[Callable[[], object]]:
        """Each endpoint, addressed in account `target`, naming this account's ids."""
        where: dict[str, Any] = {"account_id": target, "gateway_id": GW}
        return [
            lambda: sets.list(GW, account_id=target),
            lambda: sets.create(GW, account_id=target, enable=True, filters=[], name="x"),
            lambda: sets.get(dataset.id, **where),
            lambda: sets.update(dataset.id, **where, enable=False, filters=[], name="taken"),
            lambda: sets.delete(dataset.id, **where),
            lambda: runs.list(GW, account_id=target),
            lambda: runs.create(
                GW,
                account_id=target,
                dataset_ids=[dataset.id],
                evaluation_type_ids=["cost"],
                name="x",
            ),
            lambda: runs.get(run.id, **where),
            lambda: runs.delete(run.id, **where),
            lambda: other.ai_gateway.evaluation_types.list(account_id=target),
        ]

    for call in every_endpoint(account):  # this account's paths: as if it did not exist
        with pytest.raises(cloudflare.NotFoundError, match=f"account {account} not found"):
            call()
    own = every_endpoint(OTHER)  # its own paths: this account's ids are not there
    assert own[0]().result == [] and own[5]().result == []
    for index in (2, 3, 4, 6, 7, 8):
        with pytest.raises(cloudflare.NotFoundError):
            own[index]()
    assert cf.ai_gateway.datasets.get(dataset.id, account_id=account, gateway_id=GW).name == "mine"
    assert cf.ai_gateway.evaluations.get(run.id, account_id=account, gateway_id=GW).id == run.id


def test_a_deleted_gateway_leaves_no_dataset_behind(
    gateway: Gateway, cf: cloudflare.Cloudflare
) -> None:
    account = gateway.account
    create_with_sdk(cf, account, "evals-gone")
    cf.ai_gateway.datasets.create(
        "evals-gone", account_id=account, enable=True, filters=[], name="d"
    )
    cf.ai_gateway.delete("evals-gone", account_id=account)
    with pytest.raises(cloudflare.NotFoundError, match="gateway evals-gone not found"):
        cf.ai_gateway.datasets.list("evals-gone", account_id=account)
    create_with_sdk(cf, account, "evals-gone")
    assert cf.ai_gateway.datasets.list("evals-gone", account_id=account).result == []
