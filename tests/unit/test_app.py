"""Routes of app.py through Chalice's in-process test client (no server)."""

import json
from collections.abc import Iterator

import httpx
import pytest
from chalice.test import Client

from chalicelib.accounts.store import AccountStore
from chalicelib.settings import Settings
from tests.support.tenants import Tenant, app_client

AUDIO = b"ID3\x00\xff\xfe\x00binary"


def _provider(request: httpx.Request) -> httpx.Response:
    """A tiny provider: echoes chat, speaks audio, counts uploaded bytes."""
    request.read()
    if request.url.path.endswith("/audio/speech"):
        return httpx.Response(200, content=AUDIO, headers={"content-type": "audio/mpeg"})
    if request.url.path.endswith("/audio/transcriptions"):
        return httpx.Response(200, json={"text": f"{len(request.content)} bytes"})
    body = json.loads(request.content)
    return httpx.Response(
        200,
        json={
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "model": body["model"],
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}}],
            "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4},
        },
    )


@pytest.fixture
def client(settings: Settings) -> Iterator[Client]:
    with app_client(_provider) as test_client:
        yield test_client


def _chat(client: Client, tenant: Tenant, content: str = "hi") -> str:
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": content}]}
    response = client.http.post(
        f"/v1/{tenant.account_id}/{tenant.gateway_id}/openai/chat/completions",
        headers={"content-type": "application/json", "authorization": "Bearer sk-x"},
        body=json.dumps(body).encode(),
    )
    assert response.status_code == 200, response.body
    return response.headers["aig-log-id"]


def _get(client: Client, path: str, token: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    response = client.http.get(path, headers={"authorization": f"Bearer {token}"})
    return response.status_code, json.loads(response.body)


def test_healthz(client: Client) -> None:
    assert json.loads(client.http.get("/healthz").body) == {"status": "ok"}


def test_binary_response_and_multipart_upload_pass_intact(client: Client, tenant: Tenant) -> None:
    base = f"/v1/{tenant.account_id}/{tenant.gateway_id}/openai"
    speech = client.http.post(
        base + "/audio/speech",
        headers={"content-type": "application/json", "accept": "application/octet-stream"},
        body=b'{"model": "tts-1", "input": "hi", "voice": "alloy"}',
    )
    assert speech.status_code == 200 and speech.body == AUDIO
    upload = b"--xx\r\nContent-Disposition: form-data; name=file\r\n\r\n\x00\xff\x01\r\n--xx--\r\n"
    transcription = client.http.post(
        base + "/audio/transcriptions",
        headers={"content-type": "multipart/form-data; boundary=xx"},
        body=upload,
    )
    assert json.loads(transcription.body) == {"text": f"{len(upload)} bytes"}


def test_logs_list_get_and_bodies(client: Client, tenant: Tenant) -> None:
    ids = [_chat(client, tenant, f"message {i}") for i in range(3)]
    base = f"/accounts/{tenant.account_id}/ai-gateway/gateways/{tenant.gateway_id}/logs"
    status, listing = _get(client, base, tenant.token)
    assert status == 200 and listing["success"] is True
    assert [log["id"] for log in listing["result"]] == ids[::-1]
    assert listing["result_info"]["count"] == 3

    status, one = _get(client, f"{base}/{ids[0]}", tenant.token)
    assert one["result"]["tokens_in"] == 3 and one["result"]["model"] == "gpt-4o-mini"

    request = client.http.get(
        f"{base}/{ids[0]}/request", headers={"authorization": f"Bearer {tenant.token}"}
    )
    assert json.loads(request.body)["messages"][0]["content"] == "message 0"
    response = client.http.get(
        f"{base}/{ids[0]}/response", headers={"authorization": f"Bearer {tenant.token}"}
    )
    assert json.loads(response.body)["usage"]["prompt_tokens"] == 3


def test_cursor_and_page_pagination(client: Client, tenant: Tenant) -> None:
    ids = [_chat(client, tenant) for _ in range(5)]
    base = f"/accounts/{tenant.account_id}/ai-gateway/gateways/{tenant.gateway_id}/logs"
    seen: list[str] = []
    url = base + "?per_page=2"
    while True:
        _, page = _get(client, url, tenant.token)
        seen.extend(log["id"] for log in page["result"])
        cursor = page["result_info"]["cursor"]
        if not cursor:
            break
        url = f"{base}?per_page=2&cursor={cursor}"
    assert seen == ids[::-1]
    _, third = _get(client, base + "?per_page=2&page=3", tenant.token)
    assert [log["id"] for log in third["result"]] == [ids[0]]


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("per_page=0", "per_page must be between"),
        ("per_page=abc", "per_page must be an integer"),
        ("cursor=forged", "invalid cursor"),
    ],
)
def test_bad_list_parameters_are_400(
    client: Client, tenant: Tenant, query: str, words: str
) -> None:
    base = f"/accounts/{tenant.account_id}/ai-gateway/gateways/{tenant.gateway_id}/logs"
    status, body = _get(client, f"{base}?{query}", tenant.token)
    assert status == 400 and words in body["errors"][0]["message"]


def test_cursor_of_another_gateway_is_400(
    client: Client, tenant: Tenant, accounts: AccountStore
) -> None:
    accounts.create_gateway(tenant.account_id, "second", {})
    for _ in range(3):
        _chat(client, tenant)
    base = f"/accounts/{tenant.account_id}/ai-gateway/gateways"
    _, page = _get(client, f"{base}/{tenant.gateway_id}/logs?per_page=1", tenant.token)
    cursor = page["result_info"]["cursor"]
    status, body = _get(client, f"{base}/second/logs?cursor={cursor}", tenant.token)
    assert status == 400 and "another gateway" in body["errors"][0]["message"]


def test_gateways_list_and_get(client: Client, tenant: Tenant) -> None:
    base = f"/accounts/{tenant.account_id}/ai-gateway/gateways"
    _, listing = _get(client, base, tenant.token)
    assert [g["id"] for g in listing["result"]] == [tenant.gateway_id]
    status, gateway = _get(client, f"{base}/{tenant.gateway_id}", tenant.token)
    assert status == 200 and gateway["result"]["collect_logs"] is True
    assert "shard_count" not in gateway["result"]


def test_missing_or_invalid_token_is_401(client: Client, tenant: Tenant) -> None:
    base = f"/accounts/{tenant.account_id}/ai-gateway/gateways"
    assert client.http.get(base).status_code == 401
    status, body = _get(client, base, "not-a-token")
    assert status == 401 and body["errors"][0]["message"] == "invalid API token"
    assert "not-a-token" not in json.dumps(body)


def test_unknown_log_is_404(client: Client, tenant: Tenant) -> None:
    base = f"/accounts/{tenant.account_id}/ai-gateway/gateways/{tenant.gateway_id}/logs"
    for log_id in ("01KDVDNACFD8ZVE8NRE60E46ZE", "not-an-id"):
        status, _ = _get(client, f"{base}/{log_id}", tenant.token)
        assert status == 404


def test_another_accounts_token_sees_404_everywhere(
    client: Client, tenant: Tenant, other_tenant: Tenant
) -> None:
    log_id = _chat(client, tenant)
    base = f"/accounts/{tenant.account_id}/ai-gateway/gateways"
    paths = [
        base,
        f"{base}/{tenant.gateway_id}",
        f"{base}/{tenant.gateway_id}/logs",
        f"{base}/{tenant.gateway_id}/logs/{log_id}",
        f"{base}/{tenant.gateway_id}/logs/{log_id}/request",
        f"{base}/{tenant.gateway_id}/logs/{log_id}/response",
    ]
    for path in paths:
        status, body = _get(client, path, other_tenant.token)
        assert status == 404, path
        assert body["success"] is False and log_id not in json.dumps(body)
    # and the owner still sees them
    assert all(_get(client, path, tenant.token)[0] == 200 for path in paths)


def test_proxy_errors_are_envelopes(client: Client, tenant: Tenant) -> None:
    response = client.http.post(
        f"/v1/{tenant.account_id}/{tenant.gateway_id}/nope/chat/completions",
        headers={"content-type": "application/json"},
        body=b"{}",
    )
    body = json.loads(response.body)
    assert response.status_code == 400 and "unknown provider" in body["errors"][0]["message"]
    missing = client.http.post(
        f"/v1/{tenant.account_id}/nogateway/openai/chat/completions",
        headers={"content-type": "application/json"},
        body=b"{}",
    )
    assert missing.status_code == 404


@pytest.mark.parametrize("depth", [1, 8])
def test_proxy_paths_of_one_to_eight_segments(client: Client, tenant: Tenant, depth: int) -> None:
    path = "/".join([f"s{i}" for i in range(depth - 1)] + ["completions"])
    response = client.http.post(
        f"/v1/{tenant.account_id}/{tenant.gateway_id}/openai/{path}",
        headers={"content-type": "application/json"},
        body=b'{"model": "gpt-4o-mini", "messages": []}',
    )
    assert response.status_code == 200, response.body
    assert json.loads(response.body)["model"] == "gpt-4o-mini"
