"""Custom providers, gateway URLs and the dynamic-routing paths through app.py (Chalice test
client, moto in-process): Cloudflare's shapes, checked base URLs, and accounts apart."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from chalice.test import Client

from chalicelib.api.unsupported import DYNAMIC_ROUTING
from chalicelib.custom_providers import check_base_url
from chalicelib.errors import BadRequest
from chalicelib.settings import Settings
from tests.support.byok import use_local_key_file
from tests.support.tenants import Tenant, app_client


def _provider(request: httpx.Request) -> httpx.Response:
    raise AssertionError("no provider call here")


@pytest.fixture
def client(settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Client]:
    use_local_key_file(monkeypatch, tmp_path)
    with app_client(_provider) as test_client:
        yield test_client


def _call(
    client: Client, method: str, path: str, token: str, body: Any = None, **headers: str
) -> tuple[int, dict[str, Any]]:
    response = client.http.request(
        method,
        path,
        headers={
            "authorization": f"Bearer {token}",
            "content-type": "application/json",
            **headers,
        },
        body=json.dumps(body).encode() if body is not None else b"",
    )
    return response.status_code, json.loads(response.body)


def _providers(tenant: Tenant) -> str:
    return f"/accounts/{tenant.account_id}/ai-gateway/custom-providers"


def _new(**fields: Any) -> dict[str, Any]:
    return {"name": "My LLM", "slug": "my-llm", "base_url": "https://llm.example.com/v1"} | fields


def test_create_get_list_and_delete(client: Client, tenant: Tenant) -> None:
    status, created = _call(client, "POST", _providers(tenant), tenant.token, _new(position=2))
    assert status == 200, created
    provider = created["result"]
    assert provider["slug"] == "my-llm" and provider["enable"] is True
    assert provider["position"] == 2 and provider["headers"] is None and provider["logo"] is None
    one = f"{_providers(tenant)}/{provider['id']}"
    assert _call(client, "GET", one, tenant.token)[1]["result"] == provider
    _call(client, "POST", _providers(tenant), tenant.token, _new(slug="other", beta=True))
    _, listed = _call(client, "GET", _providers(tenant) + "?search=MY-L", tenant.token)
    assert [p["id"] for p in listed["result"]] == [provider["id"]]
    _, betas = _call(client, "GET", _providers(tenant) + "?beta=true", tenant.token)
    assert [p["slug"] for p in betas["result"]] == ["other"]
    taken = _call(client, "POST", _providers(tenant), tenant.token, _new())
    assert taken[0] == 400 and "slug my-llm exists" in taken[1]["errors"][0]["message"]
    assert _call(client, "DELETE", one, tenant.token)[0] == 200
    assert _call(client, "GET", one, tenant.token)[0] == 404
    assert _call(client, "DELETE", one, tenant.token)[0] == 404
    assert _call(client, "POST", _providers(tenant), tenant.token, _new())[0] == 200  # slug freed


@pytest.mark.parametrize(
    "url",
    [
        "http://llm.example.com/v1",
        "ftp://llm.example.com",
        "https://user:pw@llm.example.com",
        "https://llm.example.com/v1?key=x",
        "https://llm.example.com/#x",
        "https://10.0.0.1/v1",
        "https://169.254.169.254/latest",
        "https://[::1]/v1",
        "https://localhost/v1",
        "https://metadata.internal/v1",
        "https://printer.local",
        "https://intranet/v1",
        "https://llm.example.com:99999",
        "https://llm.example.com/../admin",
        "https://llm.example.com/v1 x",
        "javascript:alert(1)",
        "",
    ],
)
def test_base_urls_the_gateway_must_not_call_are_refused(url: str) -> None:
    with pytest.raises(BadRequest):
        check_base_url(url, allow_loopback=False)


def test_loopback_is_allowed_under_make_run_only() -> None:
    for url in ("http://127.0.0.1:9000/v1", "http://localhost:9000", "https://[::1]:8443"):
        assert check_base_url(url, allow_loopback=True) == url
        with pytest.raises(BadRequest):
            check_base_url(url, allow_loopback=False)
    with pytest.raises(BadRequest):
        check_base_url("http://10.0.0.1/v1", allow_loopback=True)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"slug": "Bad_Slug"}, "slug"),
        ({"slug": "-x"}, "slug"),
        ({"name": None}, "name is required"),
        ({"headers": '{"authorization": "Bearer sk-x"}'}, "headers is not supported"),
        ({"position": -1}, "position"),
        ({"enable": "yes"}, "enable"),
        ({"logo": "x"}, "unknown field"),
    ],
)
def test_bad_bodies_are_400(
    client: Client, tenant: Tenant, fields: dict[str, Any], message: str
) -> None:
    status, answer = _call(client, "POST", _providers(tenant), tenant.token, _new(**fields))
    assert status == 400 and message in answer["errors"][0]["message"]
    assert "sk-x" not in json.dumps(answer)


def test_another_account_can_neither_see_nor_delete_them(
    client: Client, tenant: Tenant, other_tenant: Tenant
) -> None:
    _, created = _call(client, "POST", _providers(tenant), tenant.token, _new())
    one = f"{_providers(tenant)}/{created['result']['id']}"
    for method, path in [("GET", _providers(tenant)), ("GET", one), ("DELETE", one)]:
        assert _call(client, method, path, other_tenant.token)[0] == 404, method
    assert _call(client, "POST", _providers(tenant), other_tenant.token, _new())[0] == 404
    theirs = f"{_providers(other_tenant)}/{created['result']['id']}"
    assert _call(client, "GET", theirs, other_tenant.token)[0] == 404
    assert _call(client, "DELETE", theirs, other_tenant.token)[0] == 404
    assert _call(client, "GET", _providers(other_tenant), other_tenant.token)[1]["result"] == []
    # the same slug is free in another account
    assert _call(client, "POST", _providers(other_tenant), other_tenant.token, _new())[0] == 200
    assert _call(client, "GET", one, tenant.token)[0] == 200


def test_gateway_urls(client: Client, tenant: Tenant, other_tenant: Tenant) -> None:
    base = f"/accounts/{tenant.account_id}/ai-gateway/gateways/{tenant.gateway_id}/url"
    status, answer = _call(client, "GET", f"{base}/openai", tenant.token, host="gw.example.com")
    expected = f"https://gw.example.com/v1/{tenant.account_id}/{tenant.gateway_id}/openai"
    assert status == 200 and answer["result"] == expected
    local = _call(client, "GET", f"{base}/compat", tenant.token, host="127.0.0.1:8000")
    assert local[1]["result"].startswith("http://127.0.0.1:8000/v1/")
    odd = _call(client, "GET", f"{base}/openai", tenant.token, host="evil.com/x?")
    assert odd[1]["result"].startswith("http://localhost/v1/")
    status, missing = _call(client, "GET", f"{base}/custom-my-llm", tenant.token)
    assert status == 404 and "provider custom-my-llm not found" in missing["errors"][0]["message"]
    _call(client, "POST", _providers(tenant), tenant.token, _new())
    assert _call(client, "GET", f"{base}/custom-my-llm", tenant.token)[0] == 200
    assert _call(client, "GET", f"{base}/nope", tenant.token)[0] == 404
    assert _call(client, "GET", f"{base}/openai", other_tenant.token)[0] == 404
    gone = f"/accounts/{tenant.account_id}/ai-gateway/gateways/absent/url/openai"
    assert _call(client, "GET", gone, tenant.token)[0] == 404


def test_the_configured_data_plane_url_wins(
    client: Client, tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib import wiring

    monkeypatch.setenv("AIG_DATA_PLANE_URL", "https://abc.lambda-url.us-east-1.on.aws/")
    wiring.settings.cache_clear()
    wiring.gateway_urls_api.cache_clear()
    path = f"/accounts/{tenant.account_id}/ai-gateway/gateways/{tenant.gateway_id}/url/groq"
    answer = _call(client, "GET", path, tenant.token, host="other.example.com")[1]
    assert answer["result"] == (
        f"https://abc.lambda-url.us-east-1.on.aws/v1/{tenant.account_id}/{tenant.gateway_id}/groq"
    )


@pytest.mark.parametrize(
    ("method", "tail"),
    [
        ("GET", "routes"),
        ("POST", "routes"),
        ("GET", "routes/r1"),
        ("PATCH", "routes/r1"),
        ("DELETE", "routes/r1"),
        ("GET", "routes/r1/deployments"),
        ("POST", "routes/r1/deployments"),
        ("GET", "routes/r1/versions"),
        ("POST", "routes/r1/versions"),
        ("GET", "routes/r1/versions/v1"),
    ],
)
def test_dynamic_routing_is_404_in_the_envelope(
    client: Client, tenant: Tenant, method: str, tail: str
) -> None:
    path = f"/accounts/{tenant.account_id}/ai-gateway/gateways/{tenant.gateway_id}/{tail}"
    status, answer = _call(client, method, path, tenant.token, {"name": "r"})
    assert status == 404 and answer["success"] is False
    assert answer["errors"][0] == {"code": 1003, "message": DYNAMIC_ROUTING}
