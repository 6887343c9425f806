import gzip
import json

import httpx
import pytest

from chalicelib import aws
from chalicelib.accounts.store import AccountStore
from chalicelib.errors import BadRequest, NotFound
from chalicelib.logstore.search import LogSearch, LogSearcher
from chalicelib.settings import Settings
from tests.support.tenants import Tenant
from tests.unit.proxy.harness import CHAT_REQUEST, CHAT_RESPONSE, CLIENT_KEY, Handler, ProxyHarness


def _json_reply(status: int, body: object) -> Handler:
    return lambda request: httpx.Response(status, json=body)


@pytest.fixture
def harness(settings: Settings, accounts: AccountStore) -> ProxyHarness:
    return ProxyHarness(settings, accounts)


def test_chat_is_relayed_unchanged_and_logged(harness: ProxyHarness, tenant: Tenant) -> None:
    response = harness.call(tenant)
    assert response.status == 200
    assert json.loads(response.body) == CHAT_RESPONSE
    assert str(harness.sent[0].url) == "https://api.openai.com/v1/chat/completions"
    assert harness.sent[0].headers["authorization"] == f"Bearer {CLIENT_KEY}"
    record = harness.log(tenant, response)
    assert record.model == "gpt-4o-mini-2024-07-18"
    assert record.model_type == "chat"
    assert (record.tokens_in, record.tokens_out) == (1000, 500)
    assert record.cost is not None and float(record.cost) == pytest.approx(0.00045)
    assert record.success and record.status_code == 200 and record.duration >= 0
    assert record.request_size == len(json.dumps(CHAT_REQUEST))
    assert record.response_size == len(response.body)
    stored = harness.bodies.get(record.body_key or "")
    assert stored is not None
    assert stored.request == json.dumps(CHAT_REQUEST).encode()
    assert stored.response == response.body


def test_client_secrets_never_reach_storage(
    harness: ProxyHarness, tenant: Tenant, settings: Settings
) -> None:
    harness.handler = _json_reply(200, CHAT_RESPONSE)
    harness.call(tenant, headers={"x-api-key": CLIENT_KEY, "cookie": f"s={CLIENT_KEY}"})
    harness.call(
        tenant,
        provider="google-ai-studio",
        path="v1beta/models/gemini-2.0-flash:generateContent",
        query=[("key", CLIENT_KEY)],
    )
    assert "key=" in str(harness.sent[1].url)
    assert CLIENT_KEY not in json.dumps(harness.stored_items(), default=str)
    s3 = aws.client("s3")
    for obj in s3.list_objects_v2(Bucket=settings.bodies_bucket)["Contents"]:
        blob = s3.get_object(Bucket=settings.bodies_bucket, Key=obj["Key"])["Body"].read()
        assert CLIENT_KEY.encode() not in gzip.decompress(blob)


def test_stream_usage_comes_from_final_chunk(harness: ProxyHarness, tenant: Tenant) -> None:
    chunks = [
        {"id": "c", "object": "chat.completion.chunk", "model": "gpt-4o-mini", "choices": []},
        {
            "id": "c",
            "object": "chat.completion.chunk",
            "model": "gpt-4o-mini",
            "choices": [],
            "usage": {"prompt_tokens": 7, "completion_tokens": 3, "total_tokens": 10},
        },
    ]
    sse = "".join(f"data: {json.dumps(c)}\n\n" for c in chunks) + "data: [DONE]\n\n"
    harness.handler = lambda request: httpx.Response(
        200, content=sse.encode(), headers={"content-type": "text/event-stream"}
    )
    response = harness.call(tenant)
    assert response.body == sse.encode()
    assert response.headers["Content-Type"] == "text/event-stream"
    record = harness.log(tenant, response)
    assert (record.tokens_in, record.tokens_out) == (7, 3)
    assert record.time_to_first_token is not None


def test_unknown_usage_is_null(harness: ProxyHarness, tenant: Tenant) -> None:
    body = dict(CHAT_RESPONSE)
    del body["usage"]
    harness.handler = _json_reply(200, body)
    record = harness.log(tenant, harness.call(tenant))
    assert record.tokens_in is None and record.tokens_out is None and record.cost is None


@pytest.mark.parametrize("status", [400, 401, 429, 500, 503])
def test_provider_errors_pass_through_and_are_logged(
    harness: ProxyHarness, tenant: Tenant, status: int
) -> None:
    error = {"error": {"message": "nope", "type": "invalid_request_error"}}
    harness.handler = _json_reply(status, error)
    response = harness.call(tenant)
    assert response.status == status and json.loads(response.body) == error
    record = harness.log(tenant, response)
    assert record.status_code == status and not record.success
    assert record.tokens_in is None


@pytest.mark.parametrize(
    ("exception", "status", "words"),
    [
        (httpx.ConnectError("refused"), 502, "could not be reached"),
        (httpx.ReadTimeout("slow"), 504, "did not answer within"),
    ],
)
def test_unreachable_or_slow_provider_is_502_or_504_and_logged(
    harness: ProxyHarness, tenant: Tenant, exception: Exception, status: int, words: str
) -> None:
    def fail(request: httpx.Request) -> httpx.Response:
        raise exception

    harness.handler = fail
    response = harness.call(tenant)
    assert response.status == status
    envelope = json.loads(response.body)
    assert envelope["success"] is False and words in envelope["errors"][0]["message"]
    assert "openai" in envelope["errors"][0]["message"]
    record = harness.log(tenant, response)
    assert not record.success and record.status_code == status
    assert record.error and words in record.error


def test_non_json_body_is_proxied(harness: ProxyHarness, tenant: Tenant) -> None:
    harness.handler = lambda request: httpx.Response(
        200, content=request.content[::-1], headers={"content-type": "text/plain"}
    )
    response = harness.call(tenant, body=b"plain words", headers={"content-type": "text/plain"})
    assert response.body == b"sdrow nialp"
    record = harness.log(tenant, response)
    assert record.model is None and record.request_content_type == "text/plain"


def test_unknown_provider_is_400_and_unknown_gateway_404(
    harness: ProxyHarness, tenant: Tenant
) -> None:
    with pytest.raises(BadRequest, match="unknown provider 'nope'"):
        harness.call(tenant, provider="nope")
    with pytest.raises(NotFound):
        harness.call(Tenant(tenant.account_id, "missing", ""))
    with pytest.raises(NotFound):
        harness.call(Tenant("nobody", tenant.gateway_id, ""))
    assert harness.sent == [] and harness.stored_items() == []


def test_collect_log_switches(harness: ProxyHarness, tenant: Tenant) -> None:
    skipped = harness.call(tenant, headers={"cf-aig-collect-log": "false"})
    assert "aig-log-id" not in skipped.headers and harness.stored_items() == []

    no_payload = harness.call(tenant, headers={"aig-collect-log-payload": "false"})
    record = harness.log(tenant, no_payload)
    assert record.body_key is None and record.request_head == "" and record.tokens_in == 1000

    harness.accounts.update_gateway(tenant.account_id, tenant.gateway_id, {"collect_logs": False})
    harness.call(tenant)
    assert len(harness.stored_items()) == 1


def test_logs_land_in_the_calling_account_only(
    harness: ProxyHarness, tenant: Tenant, other_tenant: Tenant
) -> None:
    response = harness.call(other_tenant)
    mine = LogSearch("acme", "main", 16)
    assert LogSearcher(aws.table(harness.settings.logs_table)).page(mine, 10).records == []
    assert harness.log(other_tenant, response).account_id == "globex"


def test_metadata_and_event_id_are_recorded(harness: ProxyHarness, tenant: Tenant) -> None:
    response = harness.call(
        tenant, headers={"aig-metadata": '{"user": "u7", "tier": 2}', "aig-event-id": "ev-9"}
    )
    record = harness.log(tenant, response)
    assert record.metadata == {"user": "u7", "tier": 2} and record.event_id == "ev-9"
