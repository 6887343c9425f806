"""The datasets, evaluations and evaluation-types API through app.py: the envelope, pages,
list filters, refusals, and one account (or gateway) never reaching another's."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from chalice.test import Client

from app import app
from chalicelib.settings import Settings
from tests.support.tenants import Tenant

ABSENT = "9b2f6d4c-4c53-4b8e-9a7e-0d5d3c6f1a2b"
CHEAP = [{"key": "cost", "operator": "lt", "value": [0.01]}]


@pytest.fixture
def client(settings: Settings) -> Iterator[Client]:
    with Client(app, stage_name="local") as test_client:
        yield test_client


def _call(
    client: Client, tenant: Tenant, method: str, path: str, body: Any = None, token: str = ""
) -> tuple[int, dict[str, Any]]:
    headers = {
        "authorization": f"Bearer {token or tenant.token}",
        "content-type": "application/json",
    }
    raw = b"" if body is None else json.dumps(body).encode()
    response = client.http.request(method, path, headers=headers, body=raw)
    return response.status_code, json.loads(response.body)


def _gateway(tenant: Tenant) -> str:
    return f"/accounts/{tenant.account_id}/ai-gateway/gateways/{tenant.gateway_id}"


def _dataset(client: Client, tenant: Tenant, name: str = "cheap", **extra: Any) -> dict[str, Any]:
    body = {"name": name, "enable": True, "filters": CHEAP, **extra}
    status, answer = _call(client, tenant, "POST", _gateway(tenant) + "/datasets", body)
    assert status == 200, answer
    return answer["result"]


def _evaluation(client: Client, tenant: Tenant, dataset_id: str, name: str = "e") -> dict[str, Any]:
    body = {"name": name, "dataset_ids": [dataset_id], "evaluation_type_ids": ["cost", "speed"]}
    status, answer = _call(client, tenant, "POST", _gateway(tenant) + "/evaluations", body)
    assert status == 200, answer
    return answer["result"]


def test_datasets_crud_in_the_envelope(client: Client, tenant: Tenant) -> None:
    created = _dataset(client, tenant)
    assert set(created) == {
        "id",
        "name",
        "enable",
        "filters",
        "gateway_id",
        "created_at",
        "modified_at",
    }
    assert created["filters"] == CHEAP and created["gateway_id"] == tenant.gateway_id
    path = f"{_gateway(tenant)}/datasets/{created['id']}"
    assert _call(client, tenant, "GET", path) == (
        200,
        {"success": True, "errors": [], "messages": [], "result": created},
    )
    status, updated = _call(
        client, tenant, "PUT", path, {"name": "n", "enable": False, "filters": []}
    )
    assert status == 200 and updated["result"]["filters"] == [] and not updated["result"]["enable"]
    status, deleted = _call(client, tenant, "DELETE", path)
    assert status == 200 and deleted["result"] == updated["result"]
    assert _call(client, tenant, "GET", path)[0] == 404


def test_dataset_lists_page_and_filter(client: Client, tenant: Tenant) -> None:
    first = _dataset(client, tenant, "alpha")
    second = _dataset(client, tenant, "beta", enable=False)
    third = _dataset(
        client,
        tenant,
        "gamma",
        filters=[{"key": "model", "operator": "eq", "value": ["Mistral-7B"]}],
    )
    base = _gateway(tenant) + "/datasets"

    def ids(query: str) -> list[str]:
        status, answer = _call(client, tenant, "GET", f"{base}?{query}")
        assert status == 200, answer
        return [d["id"] for d in answer["result"]]

    assert ids("") == [third["id"], second["id"], first["id"]]
    status, answer = _call(client, tenant, "GET", f"{base}?per_page=2&page=2")
    assert [d["id"] for d in answer["result"]] == [first["id"]]
    assert answer["result_info"] == {"page": 2, "per_page": 2, "count": 1, "total_count": 3}
    assert ids("page=3&per_page=2") == []
    assert ids("enable=false") == [second["id"]]
    assert ids("name=alpha") == [first["id"]]
    assert ids("search=mistral") == [third["id"]]
    assert ids(f"search={first['id'][:8].upper()}") == [first["id"]]


def test_evaluations_crud_and_lists(client: Client, tenant: Tenant) -> None:
    dataset = _dataset(client, tenant)
    run = _evaluation(client, tenant, dataset["id"], "nightly")
    assert run["processed"] is True and run["total_logs"] == 0
    assert [r["evaluation_type_id"] for r in run["results"]] == ["cost", "speed"]
    assert (
        run["datasets"][0]["account_id"] == run["datasets"][0]["account_tag"] == tenant.account_id
    )
    other = _evaluation(client, tenant, dataset["id"], "weekly")
    base = _gateway(tenant) + "/evaluations"
    assert _call(client, tenant, "GET", f"{base}/{run['id']}")[1]["result"] == run
    status, listed = _call(client, tenant, "GET", f"{base}?name=nightly&processed=true")
    assert [e["id"] for e in listed["result"]] == [run["id"]]
    assert _call(client, tenant, "GET", f"{base}?processed=false")[1]["result"] == []
    assert [e["id"] for e in _call(client, tenant, "GET", f"{base}?search=WEEK")[1]["result"]] == [
        other["id"]
    ]
    _call(client, tenant, "DELETE", _gateway(tenant) + f"/datasets/{dataset['id']}")
    assert _call(client, tenant, "GET", f"{base}/{run['id']}")[1]["result"] == run  # kept its copy
    assert _call(client, tenant, "DELETE", f"{base}/{run['id']}")[1]["result"] == run
    assert _call(client, tenant, "DELETE", f"{base}/{run['id']}")[0] == 404


def test_evaluation_types(client: Client, tenant: Tenant) -> None:
    path = f"/accounts/{tenant.account_id}/ai-gateway/evaluation-types"
    status, answer = _call(client, tenant, "GET", path)
    assert status == 200 and [t["id"] for t in answer["result"]] == [
        "cost",
        "speed",
        "human-feedback",
    ]
    ordered = _call(client, tenant, "GET", path + "?order_by=name&order_by_direction=desc")[1]
    assert [t["name"] for t in ordered["result"]] == ["Speed", "Human feedback", "Cost"]
    assert (
        _call(client, tenant, "GET", path + "?per_page=1&page=3")[1]["result"][0]["id"]
        == "human-feedback"
    )
    assert _call(client, tenant, "GET", path + "?order_by=colour")[0] == 400


REFUSALS: list[tuple[str, str, Any, str]] = [
    (
        "POST",
        "/datasets",
        {
            "name": "x",
            "enable": True,
            "filters": [{"key": "cost", "operator": "contains", "value": [1]}],
        },
        "not valid for number key 'cost'",
    ),
    (
        "POST",
        "/datasets",
        {
            "name": "x",
            "enable": True,
            "filters": [{"key": "colour", "operator": "eq", "value": ["red"]}],
        },
        "unknown filter key 'colour'",
    ),
    ("POST", "/datasets", [1], "JSON object"),
    ("GET", "/datasets?enable=maybe", None, "enable must be true or false"),
    ("GET", "/datasets?per_page=1000", None, "per_page must be between"),
    ("GET", "/datasets?search=" + "x" * 201, None, "longer than 200"),
    ("GET", "/evaluations?processed=1", None, "processed must be true or false"),
    (
        "POST",
        "/evaluations",
        {"name": "e", "dataset_ids": [ABSENT], "evaluation_type_ids": ["cost"]},
        f"dataset {ABSENT} not found",
    ),
    ("GET", f"/datasets/{ABSENT}", None, f"dataset {ABSENT} not found"),
    ("GET", "/datasets/not-an-id", None, "dataset not found"),
    ("PUT", f"/datasets/{ABSENT}", {"name": "x", "enable": True, "filters": []}, "not found"),
    ("DELETE", "/evaluations/not-an-id", None, "evaluation not found"),
    ("GET", f"/evaluations/{ABSENT}", None, f"evaluation {ABSENT} not found"),
]
"""(method, path after the gateway's, body, what the error says)."""


def test_refusals_are_4xx_in_the_envelope(client: Client, tenant: Tenant) -> None:
    for method, suffix, body, message in REFUSALS:
        status, answer = _call(client, tenant, method, _gateway(tenant) + suffix, body)
        assert status in (400, 404) and answer["success"] is False and answer["result"] is None
        assert message in answer["errors"][0]["message"], (method, suffix)


def test_a_bad_body_is_400(client: Client, tenant: Tenant) -> None:
    response = client.http.post(
        _gateway(tenant) + "/datasets",
        headers={"authorization": f"Bearer {tenant.token}", "content-type": "application/json"},
        body=b"[" * 100 + b"]" * 100,
    )
    assert response.status_code == 400 and b"nested deeper" in response.body


def test_another_account_can_neither_see_nor_run_nor_change_nor_delete(
    client: Client, tenant: Tenant, other_tenant: Tenant
) -> None:
    """Every endpoint: with the other account's token on this account's paths (404 as if
    the account were absent), and on its own paths naming this account's ids (404)."""
    dataset = _dataset(client, tenant)
    run = _evaluation(client, tenant, dataset["id"])
    dataset_body = {"name": "stolen", "enable": True, "filters": []}
    run_body = {"name": "x", "dataset_ids": [dataset["id"]], "evaluation_type_ids": ["cost"]}
    calls = [
        ("GET", "/datasets", None),
        ("POST", "/datasets", dataset_body),
        ("GET", f"/datasets/{dataset['id']}", None),
        ("PUT", f"/datasets/{dataset['id']}", dataset_body),
        ("DELETE", f"/datasets/{dataset['id']}", None),
        ("GET", "/evaluations", None),
        ("POST", "/evaluations", run_body),
        ("GET", f"/evaluations/{run['id']}", None),
        ("DELETE", f"/evaluations/{run['id']}", None),
    ]
    for method, suffix, body in calls:
        status, answer = _call(
            client, tenant, method, _gateway(tenant) + suffix, body, other_tenant.token
        )
        assert (status, answer["errors"][0]["message"]) == (
            404,
            f"account {tenant.account_id} not found",
        ), suffix
    types = f"/accounts/{tenant.account_id}/ai-gateway/evaluation-types"
    assert _call(client, tenant, "GET", types, token=other_tenant.token)[0] == 404
    for method, suffix, body in calls:
        status, answer = _call(client, other_tenant, method, _gateway(other_tenant) + suffix, body)
        if suffix in ("/datasets", "/evaluations") and method == "GET":
            assert status == 200 and answer["result"] == [], suffix
        elif method == "POST" and suffix == "/datasets":
            assert status == 200  # its own, in its own gateway
        else:
            assert status == 404, (method, suffix, answer)
    assert (
        _call(client, tenant, "GET", _gateway(tenant) + f"/datasets/{dataset['id']}")[1]["result"]
        == dataset
    )
    assert (
        _call(client, tenant, "GET", _gateway(tenant) + f"/evaluations/{run['id']}")[1]["result"]
        == run
    )
    assert len(_call(client, tenant, "GET", _gateway(tenant) + "/datasets")[1]["result"]) == 1


def test_another_gateway_of_the_same_account_does_not_see_them(
    client: Client, tenant: Tenant, accounts: Any
) -> None:
    dataset = _dataset(client, tenant)
    accounts.create_gateway(tenant.account_id, "second", {})
    second = Tenant(tenant.account_id, "second", tenant.token)
    assert _call(client, second, "GET", _gateway(second) + f"/datasets/{dataset['id']}")[0] == 404
    run_body = {"name": "x", "dataset_ids": [dataset["id"]], "evaluation_type_ids": ["cost"]}
    assert _call(client, second, "POST", _gateway(second) + "/evaluations", run_body)[0] == 404
    assert _call(client, second, "GET", _gateway(second) + "/datasets")[1]["result"] == []
