"""Every route of the control plane (under /accounts/) authenticates its account."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import httpx
import pytest
from chalice.test import Client

from app import app
from chalicelib.settings import Settings
from tests.support.tenants import Tenant, app_client

LOG_ID = "01KDVDNACFD8ZVE8NRE60E46ZE"


def _api_routes() -> list[tuple[str, str, str]]:
    """(path, method, view name) of every route under /accounts/, but the 405 refusals
    that `refuse_other_methods` adds (they answer before any authentication)."""
    return [
        (path, method, entry.view_name)
        for path, views in sorted(app.routes.items())
        if path.startswith("/accounts/")
        for method, entry in sorted(views.items())
        if not entry.view_name.startswith("not_allowed_")
    ]


def _provider(request: httpx.Request) -> httpx.Response:
    raise AssertionError("no control-plane route calls a provider")


@pytest.fixture
def client(settings: Settings) -> Iterator[Client]:
    with app_client(_provider) as test_client:
        yield test_client


def _call(
    client: Client, method: str, path: str, headers: dict[str, str]
) -> tuple[int, str | None]:
    headers = {"content-type": "application/json", **headers}
    response = client.http.request(method, path, headers=headers, body=b"{}")
    errors = json.loads(response.body).get("errors") or [{"message": None}]
    return response.status_code, errors[0]["message"]


def _url(path: str, tenant: Tenant) -> str:
    values = {"account_id": tenant.account_id, "gateway_id": tenant.gateway_id}
    values |= {"log_id": LOG_ID, "part": "request", "provider": "openai"}
    values |= {"config_id": "c1", "provider_id": "p1", "route_id": "r1", "version_id": "v1"}
    values |= {"dataset_id": "d1", "evaluation_id": "e1"}
    return re.sub(r"\{(\w+)\}", lambda match: values[match[1]], path)


def test_the_walk_finds_the_api_routes() -> None:
    names = {name for _, _, name in _api_routes()}
    assert {"list_gateways", "delete_gateway", "edit_log", "get_log_body", "analytics"} <= names


@pytest.mark.parametrize(("path", "method", "name"), _api_routes())
def test_every_api_route_authenticates(
    client: Client, tenant: Tenant, other_tenant: Tenant, path: str, method: str, name: str
) -> None:
    url = _url(path, tenant)
    missing = _call(client, method, url, {})
    assert missing[0] == 401 and missing[1].startswith("missing bearer token"), name
    invalid = _call(client, method, url, {"authorization": "Bearer not-a-token"})
    assert invalid == (401, "invalid API token"), name
    foreign = _call(client, method, url, {"authorization": f"Bearer {other_tenant.token}"})
    assert foreign == (404, f"account {tenant.account_id} not found"), name
