"""Hostile proxied bodies: passed through and logged (never a lost log), or a clear 400."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from chalicelib.accounts.store import AccountStore
from chalicelib.errors import BadRequest
from chalicelib.providers.usage import extract_usage
from chalicelib.providers.wires import OPENAI_WIRE
from chalicelib.proxy.log_entry import MAX_MODEL_LENGTH, MAX_USER_AGENT_LENGTH
from chalicelib.proxy.universal import parse_steps
from chalicelib.settings import Settings
from tests.support.tenants import Tenant
from tests.unit.proxy.harness import CHAT_RESPONSE, ProxyHarness

DEEP = "[" * 5_000 + "]" * 5_000
STEP = {"provider": "openai", "endpoint": "chat/completions", "query": {"model": "m"}}


@pytest.fixture
def harness(settings: Settings, accounts: AccountStore) -> ProxyHarness:
    return ProxyHarness(settings, accounts)


def _answer_without_model(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={k: v for k, v in CHAT_RESPONSE.items() if k != "model"})


@pytest.mark.parametrize(
    "body",
    [
        DEEP.encode(),
        b'{"model": "gpt-4o", "messages": ' + DEEP.encode() + b"}",
        b'{"model": ' + b"9" * 5_000 + b"}",
        b'{"model": "gpt-4o", "temperature": NaN}',
    ],
)
def test_a_body_the_gateway_cannot_read_passes_through_and_is_logged(
    harness: ProxyHarness, tenant: Tenant, body: bytes
) -> None:
    harness.handler = _answer_without_model
    response = harness.call(tenant, body=body)
    assert response.status == 200 and response.headers["aig-log-status"] == "stored"
    assert harness.sent[0].content == body
    record = harness.log(tenant, response)
    assert record.model is None and record.request_size == len(body)


def test_the_requested_model_is_recorded_cut_to_its_limit(
    harness: ProxyHarness, tenant: Tenant
) -> None:
    harness.handler = _answer_without_model
    body = json.dumps({"model": "m" * 1_100, "messages": []}).encode()
    response = harness.call(tenant, body=body, headers={"user-agent": "u" * 10_000})
    assert response.headers["aig-log-status"] == "stored"
    assert harness.sent[0].content == body  # the provider gets it whole
    record = harness.log(tenant, response)
    assert record.model == "m" * MAX_MODEL_LENGTH
    assert record.user_agent == "u" * MAX_USER_AGENT_LENGTH


def test_a_model_the_provider_names_is_cut_and_made_valid_too(
    harness: ProxyHarness, tenant: Tenant
) -> None:
    answer = {**CHAT_RESPONSE, "model": "\ud800" + "x" * 1_100}
    harness.handler = lambda request: httpx.Response(
        200, content=json.dumps(answer).encode(), headers={"content-type": "application/json"}
    )
    record = harness.log(tenant, harness.call(tenant))
    assert record.model == "?" + "x" * (MAX_MODEL_LENGTH - 1)


def test_invalid_unicode_in_the_requested_model_is_replaced(
    harness: ProxyHarness, tenant: Tenant
) -> None:
    harness.handler = _answer_without_model
    response = harness.call(tenant, body=b'{"model": "gpt\\ud800"}')
    assert harness.log(tenant, response).model == "gpt?"


def test_token_counts_no_call_can_have_are_unknown() -> None:
    body = json.dumps({**CHAT_RESPONSE, "usage": {"prompt_tokens": 10**40, "completion_tokens": 1}})
    usage = extract_usage(OPENAI_WIRE, "chat/completions", body.encode(), "application/json")
    assert usage.tokens_in is None and usage.tokens_out == 1


def _steps(**changes: Any) -> bytes:
    return json.dumps([{**STEP, **changes}]).encode()


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (DEEP.encode(), "nested deeper than 128 levels"),
        (b'[{"provider": "openai", "query": {"t": NaN}}]', "non-finite number"),
        (_steps(config={"requestTimeout": 1e300}), "config requestTimeout must be a number"),
        (
            _steps(config={"requestTimeout": "@@"}).replace(b'"@@"', b"9" * 5_000),
            "more than 1000 digits",
        ),
        (_steps(provider="p" * 1_000), "step 0: provider"),
        (_steps(endpoint="\ud800/x"), "step 0: endpoint"),
        (_steps(endpoint="x" * 3_000), "step 0: endpoint"),
        (_steps(headers={"x-a": "a\r\nb"}), "visible ASCII"),
        (_steps(headers={"x-a": "\u20ac"}), "visible ASCII"),
        (_steps(headers={"x\u20ac": "a"}), "not an HTTP token"),
    ],
)
def test_universal_steps_the_gateway_cannot_send_are_400(body: bytes, words: str) -> None:
    with pytest.raises(BadRequest) as caught:
        parse_steps(body)
    assert words in caught.value.message


def test_an_option_too_long_for_int_is_a_400_of_its_step(
    harness: ProxyHarness, tenant: Tenant
) -> None:
    with pytest.raises(BadRequest, match="step 0: aig-retry-delay must be an integer"):
        harness.universal(tenant, [{**STEP, "config": {"retryDelay": "9" * 5_000}}])


@pytest.mark.parametrize(
    "body",
    [
        DEEP.encode(),
        b'{"model": "openai/gpt-4o", "messages": [{"role": "user", "content": "\\ud800"}]}',
        b'{"model": "openai/gpt-4o", "max_tokens": ' + b"9" * 5_000 + b"}",
        json.dumps(
            {
                "model": "anthropic/claude-3-5-haiku",
                "messages": [
                    {"role": "user", "content": "hi"},
                    {
                        "role": "assistant",
                        "tool_calls": [
                            {
                                "id": "c1",
                                "type": "function",
                                "function": {"name": "f", "arguments": DEEP},
                            }
                        ],
                    },
                ],
            }
        ).encode(),
    ],
)
def test_unified_api_bodies_the_gateway_cannot_translate_are_openai_400s(
    harness: ProxyHarness, tenant: Tenant, body: bytes
) -> None:
    response = harness.call(tenant, provider="compat", body=body)
    assert response.status == 400 and not harness.sent
    assert json.loads(response.body)["error"]["message"]


def test_a_tool_result_nested_too_deep_is_sent_to_gemini_as_text(
    harness: ProxyHarness, tenant: Tenant
) -> None:
    messages = [
        {"role": "user", "content": "hi"},
        {
            "role": "assistant",
            "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "f"}}],
        },
        {"role": "tool", "tool_call_id": "c1", "content": DEEP},
    ]
    body = json.dumps({"model": "google-ai-studio/gemini-2.0-flash", "messages": messages})
    harness.call(tenant, provider="compat", body=body.encode())
    sent = json.loads(harness.sent[0].content)
    parts = [part for turn in sent["contents"] for part in turn["parts"]]
    assert {"output": DEEP} in [
        p["functionResponse"]["response"] for p in parts if "functionResponse" in p
    ]
