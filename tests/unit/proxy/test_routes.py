"""The proxy's routes in app.py: the universal endpoint and the unified API are wired."""

import json

import httpx

from chalicelib.settings import Settings
from tests.support.tenants import Tenant, app_client

CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}
ANSWER = {"id": "x", "object": "chat.completion", "choices": []}


def _provider(request: httpx.Request) -> httpx.Response:
    if request.url.path.endswith("/fails/chat/completions"):
        return httpx.Response(503, json={"error": "down"})
    return httpx.Response(200, json=ANSWER)


def test_universal_route(settings: Settings, tenant: Tenant) -> None:
    steps = [
        {"provider": "groq", "endpoint": "fails/chat/completions", "query": CHAT},
        {"provider": "openai", "endpoint": "chat/completions", "query": CHAT},
    ]
    with app_client(_provider) as client:
        response = client.http.post(
            f"/v1/{tenant.account_id}/{tenant.gateway_id}",
            headers={"content-type": "application/json"},
            body=json.dumps(steps).encode(),
        )
        assert response.status_code == 200 and response.headers["aig-step"] == "1"
        assert json.loads(response.body) == ANSWER
        bad = client.http.post(
            f"/v1/{tenant.account_id}/{tenant.gateway_id}",
            headers={"content-type": "text/plain"},
            body=b"not steps",
        )
        assert bad.status_code == 400 and b"JSON array" in bad.body


def test_compat_route(settings: Settings, tenant: Tenant) -> None:
    with app_client(_provider) as client:
        response = client.http.post(
            f"/v1/{tenant.account_id}/{tenant.gateway_id}/compat/chat/completions",
            headers={"content-type": "application/json"},
            body=json.dumps({**CHAT, "model": "openai/gpt-4o-mini"}).encode(),
        )
        assert response.status_code == 200 and json.loads(response.body) == ANSWER
