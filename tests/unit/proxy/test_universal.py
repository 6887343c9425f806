import json

import pytest

from chalicelib.errors import BadRequest
from chalicelib.proxy.universal import MAX_STEPS, parse_steps

CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}


def test_steps_in_order_with_headers_config_and_body() -> None:
    body = [
        {
            "provider": "openai",
            "endpoint": "chat/completions",
            "headers": {"Authorization": "Bearer sk-1"},
            "query": CHAT,
            "config": {"requestTimeout": 1000, "maxAttempts": 2, "skipCache": True},
        },
        {"provider": "Anthropic", "endpoint": "/v1/messages?beta=true", "query": {"a": 1}},
    ]
    first, second = parse_steps(json.dumps(body).encode())
    assert first.provider == "openai" and first.path_segments == ["chat", "completions"]
    assert json.loads(first.body) == CHAT and first.query == []
    assert first.headers == {
        "content-type": "application/json",
        "authorization": "Bearer sk-1",
        "aig-request-timeout": "1000",
        "aig-max-attempts": "2",
        "aig-skip-cache": "true",
    }
    assert second.provider == "anthropic" and second.path_segments == ["v1", "messages"]
    assert second.query == [("beta", "true")]


def test_a_single_object_is_one_step() -> None:
    step = {"provider": "openai", "endpoint": "chat/completions", "query": CHAT}
    assert len(parse_steps(json.dumps(step).encode())) == 1


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b"{not json", "JSON array"),
        (b"[]", "non-empty"),
        (b'"text"', "non-empty"),
        (b"[1]", "step 0 must be an object"),
        (b'[{"endpoint": "chat/completions", "query": {}}]', "step 0: provider"),
        (b'[{"provider": "openai", "query": {}}]', "step 0: endpoint"),
        (b'[{"provider": "openai", "endpoint": "x", "query": "hi"}]', "step 0: query"),
        (b'[{"provider": "openai", "endpoint": "x", "query": {}, "headers": {"a": 1}}]', "headers"),
        (b'[{"provider": "openai", "endpoint": "x", "query": {}, "config": {"x": 1}}]', "config"),
        (b'[{"provider": "openai", "endpoint": "x", "query": {}, "oops": 1}]', "unknown fields"),
        (
            b'[{"provider": "openai", "endpoint": "x", "query": {}},'
            b' {"provider": "openai", "endpoint": "x", "query": {}, "config": {"backoff": [1]}}]',
            "step 1: config backoff",
        ),
        (json.dumps([CHAT] * (MAX_STEPS + 1)).encode(), "at most"),
    ],
)
def test_bad_bodies_are_400(body: bytes, words: str) -> None:
    with pytest.raises(BadRequest, match=words):
        parse_steps(body)
