"""Gateway features through ProxyService over moto: authentication, rate limits, cache,
retries, fallback steps, the unified API and custom costs, counting AWS calls."""

from __future__ import annotations

import gzip
import json
from decimal import Decimal
from typing import Any

import httpx
import pytest

from chalicelib import aws
from chalicelib.accounts.store import AccountStore
from chalicelib.errors import BadRequest, NotFound, Unauthorized
from chalicelib.settings import Settings
from tests.support.tenants import Tenant
from tests.unit.proxy.harness import CHAT_REQUEST, CHAT_RESPONSE, CLIENT_KEY, Handler, ProxyHarness

ANTHROPIC_MESSAGE = {
    "id": "msg_1",
    "type": "message",
    "role": "assistant",
    "model": "claude-3-5-haiku-20241022",
    "content": [{"type": "text", "text": "hello"}],
    "stop_reason": "end_turn",
    "stop_sequence": None,
    "usage": {"input_tokens": 10, "output_tokens": 5},
}


@pytest.fixture
def features(settings: Settings, accounts: AccountStore) -> ProxyHarness:
    return ProxyHarness(settings, accounts)


def _statuses(*statuses: int, body: Any = CHAT_RESPONSE) -> Handler:
    answers = iter(statuses)

    def reply(request: httpx.Request) -> httpx.Response:
        status = next(answers)
        return httpx.Response(status, json=body if status == 200 else {"error": {"x": 1}})

    return reply


# the hot path stays lean


def test_with_every_feature_off_a_request_makes_one_aws_call(
    settings: Settings, accounts: AccountStore, tenant: Tenant
) -> None:
    features = ProxyHarness(settings, accounts, queue=True)
    features.call(tenant)  # warms the gateway cache
    features.aws_calls.clear()
    response = features.call(tenant)
    assert response.status == 200 and response.headers["aig-log-status"] == "queued"
    assert features.aws_calls == ["SendMessageBatch"]
    assert "aig-cache-status" not in response.headers


# authentication


def test_authenticated_gateway_needs_a_token_of_its_account(
    features: ProxyHarness, tenant: Tenant, other_tenant: Tenant, settings: Settings
) -> None:
    features.configure(tenant, authentication=True)
    refused = [
        {},
        {"aig-authorization": "Bearer not-a-token"},
        {"aig-authorization": f"Bearer {other_tenant.token}"},
        {"aig-authorization": tenant.token},
    ]
    for headers in refused:
        with pytest.raises(Unauthorized):
            features.call(tenant, headers=headers)
    assert features.sent == [] and features.records() == []

    response = features.call(tenant, headers={"cf-aig-authorization": f"Bearer {tenant.token}"})
    assert response.status == 200
    assert "cf-aig-authorization" not in features.sent[0].headers
    everything = json.dumps(aws.table(settings.logs_table).scan()["Items"], default=str)
    s3 = aws.client("s3")
    for obj in s3.list_objects_v2(Bucket=settings.bodies_bucket)["Contents"]:
        everything += gzip.decompress(
            s3.get_object(Bucket=settings.bodies_bucket, Key=obj["Key"])["Body"].read()
        ).decode(errors="replace")
    assert tenant.token not in everything and other_tenant.token not in everything


def test_authentication_covers_the_universal_and_unified_endpoints(
    features: ProxyHarness, tenant: Tenant
) -> None:
    features.configure(tenant, authentication=True)
    step = {"provider": "openai", "endpoint": "chat/completions", "query": CHAT_REQUEST}
    with pytest.raises(Unauthorized):
        features.universal(tenant, [step])
    refused = features.call(tenant, provider="compat")
    assert (
        refused.status == 401 and "authentication" in json.loads(refused.body)["error"]["message"]
    )
    assert features.sent == []


def test_unauthenticated_gateway_ignores_the_header(features: ProxyHarness, tenant: Tenant) -> None:
    response = features.call(tenant, headers={"aig-authorization": "Bearer whatever"})
    assert response.status == 200


# rate limiting


@pytest.mark.parametrize("technique", ["fixed", "sliding"])
def test_over_the_limit_is_429_not_sent_and_logged(
    features: ProxyHarness, tenant: Tenant, technique: str
) -> None:
    features.configure(
        tenant, rate_limiting_limit=2, rate_limiting_interval=60, rate_limiting_technique=technique
    )
    statuses = [features.call(tenant).status for _ in range(2)]
    limited = features.call(tenant)
    assert statuses == [200, 200] and limited.status == 429
    retry_after = limited.headers["Retry-After"]
    assert isinstance(retry_after, str) and 1 <= int(retry_after) <= 60
    assert "rate limit" in json.loads(limited.body)["errors"][0]["message"]
    assert len(features.sent) == 2
    record = features.log(tenant, limited)
    assert record.status_code == 429 and not record.success and record.provider == "openai"
    assert record.tokens_in is None and record.cost is None


def test_limits_are_per_gateway(
    features: ProxyHarness, tenant: Tenant, other_tenant: Tenant
) -> None:
    features.configure(tenant, rate_limiting_limit=1, rate_limiting_interval=60)
    assert features.call(tenant).status == 200
    assert features.call(tenant).status == 429
    assert features.call(other_tenant).status == 200


# caching


def test_a_hit_replays_the_answer_without_the_provider(
    features: ProxyHarness, tenant: Tenant
) -> None:
    features.configure(tenant, cache_ttl=60)
    first = features.call(tenant)
    features.handler = lambda request: httpx.Response(500, json={"error": "must not be called"})
    second = features.call(tenant, headers={"authorization": "Bearer sk-another-key"})
    assert (first.headers["aig-cache-status"], second.headers["aig-cache-status"]) == (
        "MISS",
        "HIT",
    )
    assert second.body == first.body and second.status == 200
    assert second.headers["Content-Type"] == first.headers["Content-Type"]
    assert len(features.sent) == 1
    hit = features.log(tenant, second)
    assert hit.cached and hit.cost == 0 and (hit.tokens_in, hit.tokens_out) == (1000, 500)
    assert hit.model == "gpt-4o-mini-2024-07-18" and hit.success
    miss = features.log(tenant, first)
    assert not miss.cached and miss.cost is not None and miss.cost > 0


def test_the_cache_survives_a_new_process(
    features: ProxyHarness, tenant: Tenant, settings: Settings, accounts: AccountStore
) -> None:
    features.configure(tenant, cache_ttl=60)
    first = features.call(tenant)
    restarted = ProxyHarness(settings, accounts)
    second = restarted.call(tenant)
    assert second.headers["aig-cache-status"] == "HIT" and second.body == first.body
    assert restarted.sent == []


def test_streams_are_cached_byte_for_byte(features: ProxyHarness, tenant: Tenant) -> None:
    sse = (
        b'data: {"id":"c","object":"chat.completion.chunk","model":"gpt-4o-mini","choices":[]}\n\n'
        b'data: {"id":"c","object":"chat.completion.chunk","model":"gpt-4o-mini","choices":[],'
        b'"usage":{"prompt_tokens":7,"completion_tokens":3,"total_tokens":10}}\n\n'
        b"data: [DONE]\n\n"
    )
    features.handler = lambda request: httpx.Response(
        200, content=sse, headers={"content-type": "text/event-stream"}
    )
    headers = {"aig-cache-ttl": "60"}  # per request, on a gateway without caching
    features.call(tenant, headers=headers)
    hit = features.call(tenant, headers=headers)
    assert hit.headers["aig-cache-status"] == "HIT" and hit.chunks is not None
    events = list(hit.chunks)  # replayed as a stream, one event per chunk
    assert b"".join(events) == sse and len(events) == 3
    hit.body = sse
    assert hit.headers["Content-Type"] == "text/event-stream" and len(features.sent) == 1
    record = features.log(tenant, hit)
    assert record.cached and (record.tokens_in, record.tokens_out) == (7, 3)


def test_what_selects_a_cached_answer(features: ProxyHarness, tenant: Tenant) -> None:
    features.configure(tenant, cache_ttl=60)
    other = json.dumps({**CHAT_REQUEST, "temperature": 0}).encode()
    assert features.call(tenant).headers["aig-cache-status"] == "MISS"
    assert features.call(tenant, body=other).headers["aig-cache-status"] == "MISS"
    beta = {"openai-beta": "assistants=v2"}
    assert features.call(tenant, headers=beta).headers["aig-cache-status"] == "MISS"
    assert features.call(tenant, headers=beta).headers["aig-cache-status"] == "HIT"
    skipped = features.call(tenant, headers={"aig-skip-cache": "true"})
    assert "aig-cache-status" not in skipped.headers
    keyed = {"cf-aig-cache-key": "k1"}
    assert features.call(tenant, headers=keyed).headers["aig-cache-status"] == "MISS"
    hit = features.call(tenant, body=other, headers=keyed)
    assert hit.headers["aig-cache-status"] == "HIT"
    off = features.call(tenant, headers={"aig-cache-ttl": "0"})
    assert "aig-cache-status" not in off.headers
    assert len(features.sent) == 6


def test_the_client_key_is_in_the_cache_key_only_when_the_gateway_says_so(
    features: ProxyHarness, tenant: Tenant
) -> None:
    features.configure(tenant, cache_ttl=60)
    alice, bob = {"authorization": "Bearer sk-alice"}, {"authorization": "Bearer sk-bob"}
    assert features.call(tenant, headers=alice).headers["aig-cache-status"] == "MISS"
    assert features.call(tenant, headers=bob).headers["aig-cache-status"] == "HIT"
    features.configure(tenant, cache_key_includes_credentials=True)
    assert features.call(tenant, headers=alice).headers["aig-cache-status"] == "MISS"
    assert features.call(tenant, headers=bob).headers["aig-cache-status"] == "MISS"
    assert features.call(tenant, headers=bob).headers["aig-cache-status"] == "HIT"
    assert len(features.sent) == 3


def test_failures_are_not_cached(features: ProxyHarness, tenant: Tenant) -> None:
    features.configure(tenant, cache_ttl=60)
    features.handler = _statuses(500, 200)
    assert features.call(tenant).status == 500
    again = features.call(tenant)
    assert again.status == 200 and again.headers["aig-cache-status"] == "MISS"


def test_caches_are_per_gateway(
    features: ProxyHarness, tenant: Tenant, other_tenant: Tenant
) -> None:
    for who in (tenant, other_tenant):
        features.configure(who, cache_ttl=60)
    features.call(tenant)
    assert features.call(other_tenant).headers["aig-cache-status"] == "MISS"


def test_updating_an_invalidating_gateway_drops_its_cache(
    features: ProxyHarness, tenant: Tenant
) -> None:
    features.configure(tenant, cache_ttl=60)
    features.call(tenant)
    features.configure(tenant, collect_logs=True)  # cache_invalidate_on_update is off
    assert features.call(tenant).headers["aig-cache-status"] == "HIT"
    features.configure(tenant, cache_invalidate_on_update=True)
    assert features.call(tenant).headers["aig-cache-status"] == "MISS"
    assert features.call(tenant).headers["aig-cache-status"] == "HIT"
    features.configure(tenant, collect_logs=True)
    assert features.call(tenant).headers["aig-cache-status"] == "MISS"


def test_a_hit_still_counts_against_the_rate_limit(features: ProxyHarness, tenant: Tenant) -> None:
    features.configure(tenant, cache_ttl=60, rate_limiting_limit=2, rate_limiting_interval=60)
    assert [features.call(tenant).status for _ in range(3)] == [200, 200, 429]
    assert len(features.sent) == 1


@pytest.mark.parametrize(
    ("headers", "named"),
    [
        ({"aig-cache-ttl": "soon"}, "aig-cache-ttl"),
        ({"aig-skip-cache": "maybe"}, "aig-skip-cache"),
        ({"aig-max-attempts": "9"}, "aig-max-attempts"),
        ({"aig-request-timeout": "-1"}, "aig-request-timeout"),
        ({"aig-retry-delay": "60001"}, "aig-retry-delay"),
        ({"aig-backoff": "fibonacci"}, "aig-backoff"),
        ({"aig-custom-cost": "{}"}, "aig-custom-cost"),
        ({"aig-metadata": '{"a": [1]}'}, "aig-metadata"),
    ],
)
def test_bad_option_headers_are_400_before_anything_is_sent(
    features: ProxyHarness, tenant: Tenant, headers: dict[str, str], named: str
) -> None:
    features.configure(tenant, rate_limiting_limit=1, rate_limiting_interval=60)
    with pytest.raises(BadRequest, match=named):
        features.call(tenant, headers=headers)
    assert features.sent == [] and features.records() == []
    assert features.call(tenant).status == 200  # the refused request took no capacity


# retries and timeouts


def test_retries_follow_the_headers_and_log_every_attempt(
    features: ProxyHarness, tenant: Tenant
) -> None:
    features.handler = _statuses(503, 429, 200)
    headers = {"aig-max-attempts": "3", "aig-retry-delay": "100", "aig-backoff": "linear"}
    response = features.call(tenant, headers=headers)
    assert response.status == 200 and len(features.sent) == 3
    assert features.slept == pytest.approx([0.1, 0.2])
    records = features.records()
    assert [r.status_code for r in records] == [503, 429, 200]
    assert all(r.step == 0 for r in records)
    assert features.log(tenant, response).status_code == 200


def test_the_gateway_sets_the_default_retries(features: ProxyHarness, tenant: Tenant) -> None:
    features.configure(tenant, retry_max_attempts=2, retry_delay=50, retry_backoff="exponential")
    features.handler = _statuses(500, 500)
    assert features.call(tenant).status == 500
    assert len(features.sent) == 2 and features.slept == pytest.approx([0.05])


def test_client_errors_are_not_retried(features: ProxyHarness, tenant: Tenant) -> None:
    features.handler = _statuses(400)
    assert features.call(tenant, headers={"aig-max-attempts": "5"}).status == 400
    assert len(features.sent) == 1


def test_timeouts_are_retried_with_the_request_timeout(
    features: ProxyHarness, tenant: Tenant
) -> None:
    timeouts: list[object] = []

    def slow_then_fine(request: httpx.Request) -> httpx.Response:
        timeouts.append(request.extensions["timeout"]["read"])
        if len(timeouts) == 1:
            raise httpx.ReadTimeout("slow")
        return httpx.Response(200, json=CHAT_RESPONSE)

    features.handler = slow_then_fine
    headers = {"aig-request-timeout": "250", "aig-max-attempts": "2"}
    response = features.call(tenant, headers=headers)
    assert response.status == 200 and timeouts == [0.25, 0.25]
    first = features.records()[0]
    assert first.status_code == 504 and first.error and "0.25 s" in first.error


# universal endpoint


def _step(provider: str = "openai", **extra: Any) -> dict[str, Any]:
    endpoint = "v1/messages" if provider == "anthropic" else "chat/completions"
    return {
        "provider": provider,
        "endpoint": endpoint,
        "headers": {"authorization": f"Bearer {CLIENT_KEY}"},
        "query": CHAT_REQUEST,
        **extra,
    }


def test_universal_falls_back_after_a_failing_step(features: ProxyHarness, tenant: Tenant) -> None:
    def reply(request: httpx.Request) -> httpx.Response:
        if request.url.host == "api.openai.com":
            return httpx.Response(500, json={"error": "down"})
        return httpx.Response(200, json=ANTHROPIC_MESSAGE)

    features.handler = reply
    response = features.universal(tenant, [_step("openai"), _step("anthropic")])
    assert response.status == 200 and response.headers["aig-step"] == "1"
    assert json.loads(response.body) == ANTHROPIC_MESSAGE
    first, second = features.records()
    assert (first.step, first.status_code, first.provider) == (0, 500, "openai")
    assert (second.step, second.status_code, second.provider) == (1, 200, "anthropic")
    assert first.event_id and first.event_id == second.event_id
    assert second.tokens_in == 10 and json.loads(second.request_head) == CHAT_REQUEST
    assert str(features.sent[1].url) == "https://api.anthropic.com/v1/messages"
    assert features.sent[1].headers["authorization"] == f"Bearer {CLIENT_KEY}"


def test_universal_steps_retry_and_time_out_on_their_own_config(
    features: ProxyHarness, tenant: Tenant
) -> None:
    seen: list[tuple[str, object]] = []

    def reply(request: httpx.Request) -> httpx.Response:
        seen.append((request.url.host, request.extensions["timeout"]["read"]))
        if request.url.host == "api.openai.com":
            raise httpx.ReadTimeout("stalled")
        return httpx.Response(200, json=ANTHROPIC_MESSAGE)

    features.handler = reply
    config = {"requestTimeout": 100, "maxAttempts": 2}
    response = features.universal(
        tenant, [_step("openai", config=config), _step("anthropic")], {"aig-event-id": "ev-1"}
    )
    assert response.headers["aig-step"] == "1"
    assert seen == [("api.openai.com", 0.1), ("api.openai.com", 0.1), ("api.anthropic.com", 5)]
    records = features.records()
    assert [(r.step, r.status_code) for r in records] == [(0, 504), (0, 504), (1, 200)]
    assert {r.event_id for r in records} == {"ev-1"}


def test_universal_answers_a_client_error_without_falling_back(
    features: ProxyHarness, tenant: Tenant
) -> None:
    features.handler = _statuses(400)
    response = features.universal(tenant, [_step(), _step("anthropic")])
    assert response.status == 400 and response.headers["aig-step"] == "0"
    assert len(features.sent) == 1


def test_universal_last_failure_is_the_answer(features: ProxyHarness, tenant: Tenant) -> None:
    features.handler = _statuses(500, 503)
    response = features.universal(tenant, [_step(), _step()])
    assert response.status == 503 and response.headers["aig-step"] == "1"


@pytest.mark.parametrize(
    ("steps", "words"),
    [
        ({"not": "steps"}, "step 0"),
        ([_step("nope")], "step 0: unknown provider 'nope'"),
        ([_step(), _step(config={"maxAttempts": 9})], "step 1: aig-max-attempts"),
    ],
)
def test_universal_bad_steps_are_400(
    features: ProxyHarness, tenant: Tenant, steps: Any, words: str
) -> None:
    with pytest.raises(BadRequest, match=words):
        features.universal(tenant, steps)
    assert features.sent == []


def test_universal_unknown_gateway_is_404(features: ProxyHarness, tenant: Tenant) -> None:
    with pytest.raises(NotFound):
        features.universal(Tenant(tenant.account_id, "nope", ""), [_step()])


# unified API


def test_compat_chat_is_translated_and_logged_from_the_native_answer(
    features: ProxyHarness, tenant: Tenant
) -> None:
    features.handler = lambda request: httpx.Response(200, json=ANTHROPIC_MESSAGE)
    body = {"model": "anthropic/claude-3-5-haiku-20241022", "messages": CHAT_REQUEST["messages"]}
    response = features.call(
        tenant, provider="compat", path="chat/completions", body=json.dumps(body).encode()
    )
    assert response.status == 200
    answer = json.loads(response.body)
    assert answer["object"] == "chat.completion"
    assert answer["choices"][0]["message"]["content"] == "hello"
    assert answer["usage"]["prompt_tokens"] == 10
    sent = features.sent[0]
    assert str(sent.url) == "https://api.anthropic.com/v1/messages"
    assert sent.headers["x-api-key"] == CLIENT_KEY and "authorization" not in sent.headers
    record = features.log(tenant, response)
    assert (record.provider, record.model, record.step) == (
        "anthropic",
        "claude-3-5-haiku-20241022",
        0,
    )
    assert (record.tokens_in, record.tokens_out) == (10, 5) and record.cost
    assert record.request_size == len(json.dumps(body))  # the client's request, not Anthropic's


def test_compat_provider_errors_come_back_in_openai_shape(
    features: ProxyHarness, tenant: Tenant
) -> None:
    features.handler = lambda request: httpx.Response(
        429, json={"type": "error", "error": {"type": "rate_limit_error", "message": "slow down"}}
    )
    body = {"model": "anthropic/claude-3-5-haiku-20241022", "messages": CHAT_REQUEST["messages"]}
    response = features.call(tenant, provider="compat", body=json.dumps(body).encode())
    assert response.status == 429
    assert json.loads(response.body)["error"]["message"] == "slow down"


def test_compat_hits_are_byte_identical_and_logged_with_their_usage(
    features: ProxyHarness, tenant: Tenant
) -> None:
    features.configure(tenant, cache_ttl=60)
    features.handler = lambda request: httpx.Response(200, json=ANTHROPIC_MESSAGE)
    body = json.dumps(
        {"model": "anthropic/claude-3-5-haiku-20241022", "messages": CHAT_REQUEST["messages"]}
    ).encode()
    first = features.call(tenant, provider="compat", body=body)
    hit = features.call(tenant, provider="compat", body=body)
    assert hit.headers["aig-cache-status"] == "HIT" and len(features.sent) == 1
    assert hit.body == first.body  # same id and created, not a new translation
    assert json.loads(hit.body)["choices"][0]["message"]["content"] == "hello"
    miss_log, hit_log = features.records()
    assert hit_log.cached and hit_log.cost == 0
    assert (hit_log.tokens_in, hit_log.tokens_out) == (miss_log.tokens_in, miss_log.tokens_out)
    assert hit_log.tokens_in is not None


@pytest.mark.parametrize(
    ("path", "body", "headers", "status", "words"),
    [
        ("chat/completions", b"{no", {}, 400, "not valid JSON"),
        ("chat/completions", b'{"model": "gpt-4o", "messages": []}', {}, 400, "model"),
        ("chat/completions", b'{"model": "nope/x", "messages": []}', {}, 400, "unknown"),
        (
            "chat/completions",
            b'{"model": "anthropic/c", "messages": [{"role": "user", "content": "hi"}]}',
            {"aig-max-attempts": "x"},
            400,
            "aig-max-attempts",
        ),
        ("completions", b"{}", {}, 404, "chat/completions"),
    ],
)
def test_compat_errors_are_in_openai_shape(
    features: ProxyHarness,
    tenant: Tenant,
    path: str,
    body: bytes,
    headers: dict[str, str],
    status: int,
    words: str,
) -> None:
    response = features.call(tenant, provider="compat", path=path, body=body, headers=headers)
    error = json.loads(response.body)["error"]
    assert response.status == status and words in error["message"] and error["type"]
    assert features.sent == []


def test_compat_rate_limit_and_unreachable_provider_in_openai_shape(
    features: ProxyHarness, tenant: Tenant
) -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused")

    features.handler = down
    features.configure(tenant, rate_limiting_limit=1, rate_limiting_interval=60)
    body = json.dumps({"model": "anthropic/claude-3-5-haiku", "messages": CHAT_REQUEST["messages"]})
    unreachable = features.call(tenant, provider="compat", body=body.encode())
    assert unreachable.status == 502
    assert "could not be reached" in json.loads(unreachable.body)["error"]["message"]
    limited = features.call(tenant, provider="compat", body=body.encode())
    assert limited.status == 429 and limited.headers["Retry-After"]
    assert json.loads(limited.body)["error"]["type"] == "rate_limit_error"
    assert [r.status_code for r in features.records()] == [502, 429]


def test_compat_embeddings_pass_through_to_openai(features: ProxyHarness, tenant: Tenant) -> None:
    embedding = {
        "object": "list",
        "data": [{"object": "embedding", "index": 0, "embedding": [0.5]}],
        "model": "text-embedding-3-small",
        "usage": {"prompt_tokens": 2, "total_tokens": 2},
    }
    features.handler = lambda request: httpx.Response(200, json=embedding)
    body = json.dumps({"model": "openai/text-embedding-3-small", "input": "hi"}).encode()
    response = features.call(tenant, provider="compat", path="embeddings", body=body)
    assert json.loads(response.body) == embedding
    assert str(features.sent[0].url) == "https://api.openai.com/v1/embeddings"
    assert json.loads(features.sent[0].content)["model"] == "text-embedding-3-small"
    assert features.log(tenant, response).tokens_in == 2


# custom cost


def test_custom_cost_overrides_the_price_table(features: ProxyHarness, tenant: Tenant) -> None:
    prices = {"aig-custom-cost": '{"per_token_in": 0.001, "per_token_out": 0.002}'}
    record = features.log(tenant, features.call(tenant, headers=prices))
    assert record.custom_cost and record.cost == Decimal("2")  # 1000 * 0.001 + 500 * 0.002
    plain = features.log(tenant, features.call(tenant))
    assert not plain.custom_cost and plain.cost == pytest.approx(Decimal("0.00045"))


def test_custom_cost_of_unknown_usage_is_unknown(features: ProxyHarness, tenant: Tenant) -> None:
    body = {k: v for k, v in CHAT_RESPONSE.items() if k != "usage"}
    features.handler = lambda request: httpx.Response(200, json=body)
    prices = {"aig-custom-cost": '{"per_token_in": 1, "per_token_out": 1}'}
    record = features.log(tenant, features.call(tenant, headers=prices))
    assert record.cost is None and record.custom_cost
