"""app.py at its edges, through Chalice's test client: 405, Chalice's own errors, the body
limit and path decoding, all in the envelope and without echoing a request header."""

import json
from collections.abc import Iterator

import httpx
import pytest
from chalice.test import Client

from chalicelib import wiring
from chalicelib.settings import Settings
from tests.support.tenants import Tenant, app_client

SEEN: list[httpx.URL] = []


def _provider(request: httpx.Request) -> httpx.Response:
    SEEN.append(request.url)
    return httpx.Response(200, json={"ok": True})


@pytest.fixture
def client(settings: Settings) -> Iterator[Client]:
    SEEN.clear()
    with app_client(_provider) as test_client:
        yield test_client


def _error(response: object) -> tuple[int, dict]:  # type: ignore[type-arg]
    body = json.loads(response.body)  # type: ignore[attr-defined]
    assert body["success"] is False and body["result"] is None
    return response.status_code, body["errors"][0]  # type: ignore[attr-defined]


def test_other_methods_of_a_known_path_are_405_with_allow(client: Client, tenant: Tenant) -> None:
    for method, path, allowed in [
        ("PUT", "/healthz", "GET"),
        ("HEAD", "/healthz", "GET"),
        ("GET", f"/v1/{tenant.account_id}/{tenant.gateway_id}", "POST"),
        ("POST", f"/accounts/{tenant.account_id}/ai-gateway/gateways/g/logs", "DELETE, GET"),
    ]:
        response = client.http.request(method, path, headers={"authorization": "Bearer sk-x"})
        assert response.status_code == 405, (method, path)
        assert response.headers["Allow"] == allowed
        if method != "HEAD":
            assert _error(response)[1]["code"] == 1004 and b"sk-x" not in response.body


def test_unsupported_content_type_is_415_without_echo(client: Client, tenant: Tenant) -> None:
    response = client.http.post(
        f"/accounts/{tenant.account_id}/ai-gateway/gateways",
        headers={"content-type": "text/x-secret-type", "authorization": f"Bearer {tenant.token}"},
        body=b"{}",
    )
    status, error = _error(response)
    assert status == 415 and "x-secret-type" not in error["message"]


@pytest.fixture
def small_limit(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    monkeypatch.setenv("AIG_MAX_REQUEST_BYTES", "64")
    wiring.settings.cache_clear()


@pytest.mark.usefixtures("small_limit")
def test_bodies_over_the_limit_are_413(client: Client, tenant: Tenant) -> None:
    paths = [
        f"/v1/{tenant.account_id}/{tenant.gateway_id}/openai/chat/completions",
        f"/accounts/{tenant.account_id}/ai-gateway/gateways",
    ]
    for path in paths:
        response = client.http.post(
            path, headers={"content-type": "application/json"}, body=b"[" + b" " * 64 + b"]"
        )
        status, error = _error(response)
        assert status == 413 and "64 bytes" in error["message"]
    assert SEEN == []


def test_proxy_path_is_decoded_once_and_encoded_once(client: Client, tenant: Tenant) -> None:
    base = f"/v1/{tenant.account_id}/{tenant.gateway_id}/openai"
    for raw, upstream in [
        ("chat/completion%73", "/v1/chat/completions"),
        ("files/a%2Fb/content", "/v1/files/a%2Fb/content"),
        ("files/100%25", "/v1/files/100%25"),
    ]:
        response = client.http.post(
            f"{base}/{raw}", headers={"content-type": "application/json"}, body=b"{}"
        )
        assert response.status_code == 200, response.body
        assert SEEN[-1].raw_path.decode() == upstream


@pytest.mark.parametrize("segment", ["..", "%2e%2e", ".%2E", "a%2F..%2Fb"])
def test_dot_segments_never_reach_upstream(client: Client, tenant: Tenant, segment: str) -> None:
    response = client.http.post(
        f"/v1/{tenant.account_id}/{tenant.gateway_id}/openai/{segment}/__x",
        headers={"content-type": "application/json"},
        body=b"{}",
    )
    assert _error(response)[0] == 400
    universal = client.http.post(
        f"/v1/{tenant.account_id}/{tenant.gateway_id}",
        headers={"content-type": "application/json"},
        body=json.dumps(
            [{"provider": "openai", "endpoint": f"{segment}/__x", "query": {}}]
        ).encode(),
    )
    assert _error(universal)[0] == 400
    assert SEEN == []


def test_management_ids_are_decoded_once(client: Client, tenant: Tenant) -> None:
    account = tenant.account_id.replace("a", "%61")
    path = f"/accounts/{account}/ai-gateway/gateways/{tenant.gateway_id.replace('m', '%6D')}"
    response = client.http.get(path, headers={"authorization": f"Bearer {tenant.token}"})
    assert response.status_code == 200
    assert json.loads(response.body)["result"]["id"] == tenant.gateway_id
    odd = client.http.get(
        f"/accounts/{tenant.account_id}/ai-gateway/gateways/Not%20An%20Id",
        headers={"authorization": f"Bearer {tenant.token}"},
    )
    assert _error(odd)[0] == 404 and b"Not An Id" not in odd.body
