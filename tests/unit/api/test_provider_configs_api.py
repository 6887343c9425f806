"""Stored provider keys through app.py (Chalice test client, moto in-process): Cloudflare's
provider_configs shape, sealed at rest, never shown, and one account's keys invisible to
every other."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from chalice.test import Client

from chalicelib import aws
from chalicelib.settings import Settings
from tests.support.byok import use_local_key_file
from tests.support.tenants import Tenant, app_client

SECRET = "sk-stored-provider-key-0123456789"


def _provider(request: httpx.Request) -> httpx.Response:
    raise AssertionError("no provider call here")


@pytest.fixture
def client(settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Client]:
    use_local_key_file(monkeypatch, tmp_path)
    with app_client(_provider) as test_client:
        yield test_client


def _call(
    client: Client, method: str, path: str, token: str, body: Any = None
) -> tuple[int, dict[str, Any]]:
    response = client.http.request(
        method,
        path,
        headers={"authorization": f"Bearer {token}", "content-type": "application/json"},
        body=json.dumps(body).encode() if body is not None else b"",
    )
    return response.status_code, json.loads(response.body)


def _configs(tenant: Tenant) -> str:
    return f"/accounts/{tenant.account_id}/ai-gateway/gateways/{tenant.gateway_id}/provider_configs"


def _new(**fields: Any) -> dict[str, Any]:
    return {
        "alias": "main",
        "default_config": True,
        "provider_slug": "openai",
        "secret": SECRET,
    } | fields


def test_a_key_is_stored_sealed_and_listed_without_its_secret(
    client: Client, tenant: Tenant, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    status, created = _call(client, "POST", _configs(tenant), tenant.token, _new(rate_limit=5))
    assert status == 200, created
    result = created["result"]
    assert set(result) == {
        "id",
        "alias",
        "default_config",
        "gateway_id",
        "modified_at",
        "provider_slug",
        "secret_id",
        "secret_preview",
        "rate_limit",
        "rate_limit_period",
    }
    assert result["secret_preview"] == "..." + SECRET[-4:]
    assert (result["provider_slug"], result["gateway_id"], result["rate_limit"]) == (
        "openai",
        tenant.gateway_id,
        5.0,
    )
    status, listed = _call(client, "GET", _configs(tenant), tenant.token)
    assert status == 200 and [c["id"] for c in listed["result"]] == [result["id"]]
    assert listed["result_info"]["total_count"] == 1

    stored = aws.table(settings.control_table).scan()["Items"]
    everything = json.dumps([created, listed], default=str) + repr(stored) + caplog.text
    assert SECRET not in everything and SECRET.encode() not in repr(stored).encode()


def test_deleting_a_key(client: Client, tenant: Tenant) -> None:
    _, first = _call(client, "POST", _configs(tenant), tenant.token, _new())
    _, second = _call(client, "POST", _configs(tenant), tenant.token, _new(alias="next"))
    status, deleted = _call(
        client, "DELETE", f"{_configs(tenant)}/{first['result']['id']}", tenant.token
    )
    assert status == 200 and deleted["result"]["alias"] == "main"
    _, listed = _call(client, "GET", _configs(tenant), tenant.token)
    assert [c["id"] for c in listed["result"]] == [second["result"]["id"]]
    again = _call(client, "DELETE", f"{_configs(tenant)}/{first['result']['id']}", tenant.token)
    assert again[0] == 404


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (_new(secret=None), "secret is required"),
        (_new(secret="has space"), "secret is required"),
        (_new(secret="x" * 5000), "at most 4096"),
        (_new(secret_id="sec-1"), "secret_id"),
        (_new(provider_slug="nope"), "provider_slug"),
        (_new(provider_slug="custom-absent"), "provider_slug"),
        (_new(alias=""), "alias"),
        (_new(default_config="yes"), "default_config"),
        (_new(rate_limit=-1), "rate_limit"),
        (_new(rate_limit=True), "rate_limit"),
        (_new(extra=1), "unknown field"),
        ([1], "JSON object"),
    ],
)
def test_bad_bodies_are_400_and_never_quote_the_secret(
    client: Client, tenant: Tenant, body: Any, message: str
) -> None:
    status, answer = _call(client, "POST", _configs(tenant), tenant.token, body)
    assert status == 400 and message in answer["errors"][0]["message"]
    assert SECRET not in json.dumps(answer)


def test_an_unknown_gateway_is_404(client: Client, tenant: Tenant) -> None:
    path = f"/accounts/{tenant.account_id}/ai-gateway/gateways/absent/provider_configs"
    assert _call(client, "POST", path, tenant.token, _new())[0] == 404
    assert _call(client, "GET", path, tenant.token)[0] == 404


def test_another_account_can_neither_list_nor_delete_nor_add(
    client: Client, tenant: Tenant, other_tenant: Tenant
) -> None:
    _, created = _call(client, "POST", _configs(tenant), tenant.token, _new())
    key_path = f"{_configs(tenant)}/{created['result']['id']}"
    for method, path, body in [
        ("GET", _configs(tenant), None),
        ("POST", _configs(tenant), _new()),
        ("DELETE", key_path, None),
    ]:
        status, answer = _call(client, method, path, other_tenant.token, body)
        assert status == 404 and answer["result"] is None, method
    # its own gateway of the same name does not see them either
    status, listed = _call(client, "GET", _configs(other_tenant), other_tenant.token)
    assert status == 200 and listed["result"] == []
    other_path = f"{_configs(other_tenant)}/{created['result']['id']}"
    assert _call(client, "DELETE", other_path, other_tenant.token)[0] == 404
    _, mine = _call(client, "GET", _configs(tenant), tenant.token)
    assert len(mine["result"]) == 1


def test_without_a_key_wrapper_storing_is_503(
    client: Client, tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib import wiring

    monkeypatch.delenv("AIG_KEY_WRAPPER")
    monkeypatch.delenv("AIG_LOCAL_KEY_FILE")
    wiring.settings.cache_clear()
    wiring.key_wrapper.cache_clear()
    status, answer = _call(client, "POST", _configs(tenant), tenant.token, _new())
    assert status == 503 and "cannot be stored" in answer["errors"][0]["message"]


def test_deleting_the_gateway_deletes_its_keys(
    client: Client, tenant: Tenant, settings: Settings
) -> None:
    _call(client, "POST", _configs(tenant), tenant.token, _new())
    gateway = f"/accounts/{tenant.account_id}/ai-gateway/gateways/{tenant.gateway_id}"
    assert _call(client, "DELETE", gateway, tenant.token)[0] == 200
    items = aws.table(settings.control_table).scan()["Items"]
    assert not [item for item in items if str(item["sk"]).startswith("PROVIDER_KEY#")]
