"""Anthropic answers translated to OpenAI chat completions (JSON and SSE)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.compat import ChatTranslation, translate_chat_request
from chalicelib.compat.anthropic_response import finish_reason, token_counts
from tests.support.sse import sse
from tests.unit.compat.helpers import (
    chunks_of,
    deltas,
    finish_reasons,
    streamed_text,
    streamed_tool_calls,
)

CREATED = 1_700_000_000
TOOLS = [{"type": "function", "function": {"name": "get_weather"}}]


def translation(stream: bool = False, include_usage: bool = False) -> ChatTranslation:
    body: dict[str, Any] = {
        "model": "anthropic/claude-x",
        "messages": [{"role": "user", "content": "hi"}],
        "tools": TOOLS,
        "stream": stream,
    }
    if include_usage:
        body["stream_options"] = {"include_usage": True}
    return translate_chat_request(body, created=CREATED)


def message(**extra: Any) -> dict[str, Any]:
    return {
        "id": "msg_01",
        "type": "message",
        "role": "assistant",
        "model": "claude-x-20250101",
        "content": [{"type": "text", "text": "Hello"}, {"type": "text", "text": " world"}],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {
            "input_tokens": 10,
            "output_tokens": 5,
            "cache_creation_input_tokens": 2,
            "cache_read_input_tokens": 3,
        },
        **extra,
    }


def answer(native: dict[str, Any], status: int = 200) -> tuple[int, str, dict[str, Any]]:
    code, content_type, body = translation().translate_response(
        status, "application/json", json.dumps(native).encode()
    )
    return code, content_type, json.loads(body)


def test_text_message() -> None:
    status, content_type, payload = answer(message())
    assert (status, content_type) == (200, "application/json")
    assert payload == {
        "id": "msg_01",
        "object": "chat.completion",
        "created": CREATED,
        "model": "claude-x-20250101",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "Hello world", "refusal": None},
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": {
            "prompt_tokens": 15,
            "completion_tokens": 5,
            "total_tokens": 20,
            "prompt_tokens_details": {"cached_tokens": 3},
        },
    }


def test_tool_use_message() -> None:
    content = [
        {"type": "text", "text": "Checking."},
        {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"city": "Paris"}},
        {"type": "tool_use", "id": "toolu_2", "name": "get_time", "input": {}},
    ]
    _, _, payload = answer(message(content=content, stop_reason="tool_use"))
    choice = payload["choices"][0]
    assert choice["finish_reason"] == "tool_calls"
    assert choice["message"]["content"] == "Checking."
    assert choice["message"]["tool_calls"] == [
        {
            "id": "toolu_1",
            "type": "function",
            "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
        },
        {"id": "toolu_2", "type": "function", "function": {"name": "get_time", "arguments": "{}"}},
    ]


def test_tool_use_only_has_null_content() -> None:
    content = [{"type": "tool_use", "id": "t", "name": "get_weather", "input": {}}]
    _, _, payload = answer(message(content=content, stop_reason="tool_use"))
    assert payload["choices"][0]["message"]["content"] is None


def test_thinking_blocks_are_left_out() -> None:
    content = [
        {"type": "thinking", "thinking": "hmm", "signature": "s"},
        {"type": "text", "text": "ok"},
    ]
    _, _, payload = answer(message(content=content))
    assert payload["choices"][0]["message"]["content"] == "ok"


def test_missing_model_and_usage() -> None:
    native = message()
    del native["model"], native["usage"]
    _, _, payload = answer(native)
    assert payload["model"] == "claude-x"
    assert "usage" not in payload


@pytest.mark.parametrize(
    ("stop", "finish"),
    [
        ("end_turn", "stop"),
        ("stop_sequence", "stop"),
        ("max_tokens", "length"),
        ("tool_use", "tool_calls"),
        ("refusal", "content_filter"),
        ("pause_turn", "stop"),
        ("something_new", "stop"),
        (None, "stop"),
    ],
)
def test_finish_reason(stop: Any, finish: str) -> None:
    assert finish_reason(stop) == finish


def test_token_counts() -> None:
    assert token_counts({"input_tokens": 4, "output_tokens": 2}).to_openai() == {
        "prompt_tokens": 4,
        "completion_tokens": 2,
        "total_tokens": 6,
    }
    assert token_counts({}) is None
    assert token_counts(None) is None


def test_error_is_openai_shaped_with_same_status() -> None:
    native = {"type": "error", "error": {"type": "rate_limit_error", "message": "slow down"}}
    status, content_type, payload = answer(native, status=429)
    assert (status, content_type) == (429, "application/json")
    assert payload == {
        "error": {
            "message": "slow down",
            "type": "rate_limit_error",
            "param": None,
            "code": "rate_limit_error",
        }
    }


def test_invalid_success_body_is_a_502() -> None:
    status, _, body = translation().translate_response(200, "text/plain", b"<html>")
    assert status == 502
    assert json.loads(body)["error"]["code"] == "invalid_provider_response"


# --- streams -------------------------------------------------------------------------------


def stream_events(blocks: list[list[tuple[str, Any]]], stop: str = "end_turn") -> bytes:
    start = {
        **message(content=[], stop_reason=None),
        "usage": {**message()["usage"], "output_tokens": 1},
    }
    events: list[tuple[str | None, Any]] = [
        ("message_start", {"type": "message_start", "message": start})
    ]
    for index, block in enumerate(blocks):
        for name, data in block:
            events.append((name, {"type": name, "index": index, **data}))
    events.append(("ping", {"type": "ping"}))
    final = {"type": "message_delta", "delta": {"stop_reason": stop}, "usage": {"output_tokens": 7}}
    events += [("message_delta", final), ("message_stop", {"type": "message_stop"})]
    return sse(events)


def text_block(*words: str) -> list[tuple[str, Any]]:
    events = [("content_block_start", {"content_block": {"type": "text", "text": ""}})]
    events += [("content_block_delta", {"delta": {"type": "text_delta", "text": w}}) for w in words]
    return [*events, ("content_block_stop", {})]


def tool_block(call_id: str, name: str, *fragments: str) -> list[tuple[str, Any]]:
    block = {"type": "tool_use", "id": call_id, "name": name, "input": {}}
    events = [("content_block_start", {"content_block": block})]
    events += [
        ("content_block_delta", {"delta": {"type": "input_json_delta", "partial_json": f}})
        for f in fragments
    ]
    return [*events, ("content_block_stop", {})]


def streamed(body: bytes, include_usage: bool = False) -> list[dict[str, Any]]:
    status, content_type, out = translation(True, include_usage).translate_response(
        200, "text/event-stream; charset=utf-8", body
    )
    assert (status, content_type) == (200, "text/event-stream")
    return chunks_of(out)


def test_text_stream() -> None:
    chunks = streamed(stream_events([text_block("Hel", "lo", " world")]))
    assert deltas(chunks)[0] == {"role": "assistant", "content": ""}
    assert [d.get("content") for d in deltas(chunks)[1:-1]] == ["Hel", "lo", " world"]
    assert streamed_text(chunks) == "Hello world"
    assert finish_reasons(chunks) == ["stop"]
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"
    assert {c["id"] for c in chunks} == {"msg_01"}
    assert {c["model"] for c in chunks} == {"claude-x-20250101"}
    assert {c["object"] for c in chunks} == {"chat.completion.chunk"}
    assert {c["created"] for c in chunks} == {CREATED}
    assert all("usage" not in c for c in chunks)


def test_stream_usage_chunk_when_requested() -> None:
    chunks = streamed(stream_events([text_block("Hi")]), include_usage=True)
    assert chunks[-1]["choices"] == []
    assert chunks[-1]["usage"] == {
        "prompt_tokens": 15,
        "completion_tokens": 7,
        "total_tokens": 22,
        "prompt_tokens_details": {"cached_tokens": 3},
    }


def test_tool_stream() -> None:
    body = stream_events(
        [
            text_block("Let me check."),
            tool_block("toolu_1", "get_weather", "", '{"ci', 'ty": "Par', 'is"}'),
            tool_block("toolu_2", "get_time", "{}"),
        ],
        stop="tool_use",
    )
    chunks = streamed(body)
    assert streamed_text(chunks) == "Let me check."
    assert streamed_tool_calls(chunks) == [
        {"id": "toolu_1", "name": "get_weather", "arguments": '{"city": "Paris"}'},
        {"id": "toolu_2", "name": "get_time", "arguments": "{}"},
    ]
    first_tool = next(d for d in deltas(chunks) if d.get("tool_calls"))
    assert first_tool["tool_calls"] == [
        {
            "index": 0,
            "id": "toolu_1",
            "type": "function",
            "function": {"name": "get_weather", "arguments": ""},
        }
    ]
    fragments = [
        d["tool_calls"][0]["function"]["arguments"]
        for d in deltas(chunks)
        if d.get("tool_calls") and d["tool_calls"][0]["index"] == 0
    ]
    assert fragments == ["", '{"ci', 'ty": "Par', 'is"}']
    assert finish_reasons(chunks) == ["tool_calls"]


def test_stream_error_event() -> None:
    start = {"type": "message_start", "message": message(content=[])}
    error = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
    chunks = streamed(sse([("message_start", start), ("error", error)]))
    assert chunks[-1] == {
        "error": {
            "message": "Overloaded",
            "type": "server_error",
            "param": None,
            "code": "overloaded_error",
        }
    }


def test_json_answer_to_a_stream_request_becomes_chunks() -> None:
    status, content_type, body = translation(True, True).translate_response(
        200, "application/json", json.dumps(message()).encode()
    )
    assert content_type == "text/event-stream"
    chunks = chunks_of(body)
    assert streamed_text(chunks) == "Hello world"
    assert finish_reasons(chunks) == ["stop"]
    assert chunks[-1]["usage"]["total_tokens"] == 20


def test_stream_error_status_is_json() -> None:
    native = {"type": "error", "error": {"type": "authentication_error", "message": "bad key"}}
    status, content_type, body = translation(True).translate_response(
        401, "application/json", json.dumps(native).encode()
    )
    assert (status, content_type) == (401, "application/json")
    assert json.loads(body)["error"]["type"] == "authentication_error"
