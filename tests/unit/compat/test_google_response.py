"""Gemini answers translated to OpenAI chat completions (JSON and SSE)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.compat import ChatTranslation, translate_chat_request
from chalicelib.compat.google_response import finish_reason, token_counts
from tests.support.sse import sse
from tests.unit.compat.helpers import (
    chunks_of,
    deltas,
    finish_reasons,
    streamed_text,
    streamed_tool_calls,
)

CREATED = 1_700_000_001


def translation(stream: bool = False, include_usage: bool = False) -> ChatTranslation:
    body: dict[str, Any] = {
        "model": "google-ai-studio/gemini-2.0-flash",
        "messages": [{"role": "user", "content": "hi"}],
        "stream": stream,
    }
    if include_usage:
        body["stream_options"] = {"include_usage": True}
    return translate_chat_request(body, created=CREATED)


def response(
    parts: list[dict[str, Any]], finish: str | None = "STOP", **extra: Any
) -> dict[str, Any]:
    candidate: dict[str, Any] = {"content": {"role": "model", "parts": parts}, "index": 0}
    if finish:
        candidate["finishReason"] = finish
    return {
        "candidates": [candidate],
        "usageMetadata": {"promptTokenCount": 8, "candidatesTokenCount": 4, "totalTokenCount": 12},
        "modelVersion": "gemini-2.0-flash-001",
        "responseId": "resp-1",
        **extra,
    }


def answer(native: Any, status: int = 200) -> tuple[int, str, dict[str, Any]]:
    code, content_type, body = translation().translate_response(
        status, "application/json; charset=UTF-8", json.dumps(native).encode()
    )
    return code, content_type, json.loads(body)


def test_text_response() -> None:
    status, content_type, payload = answer(response([{"text": "Hello"}, {"text": " there"}]))
    assert (status, content_type) == (200, "application/json")
    assert payload == {
        "id": "resp-1",
        "object": "chat.completion",
        "created": CREATED,
        "model": "gemini-2.0-flash-001",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "Hello there", "refusal": None},
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 8, "completion_tokens": 4, "total_tokens": 12},
    }


def test_function_call_response() -> None:
    parts = [
        {"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}},
        {"functionCall": {"name": "get_time", "id": "fc-2"}},
    ]
    _, _, payload = answer(response(parts))
    message = payload["choices"][0]["message"]
    assert payload["choices"][0]["finish_reason"] == "tool_calls"
    assert message["content"] is None
    first, second = message["tool_calls"]
    assert first["id"].startswith("call_")
    assert first["type"] == "function"
    assert first["function"] == {"name": "get_weather", "arguments": '{"city": "Paris"}'}
    assert second == {
        "id": "fc-2",
        "type": "function",
        "function": {"name": "get_time", "arguments": "{}"},
    }


def test_thought_parts_are_left_out_and_reasoning_counted() -> None:
    parts = [{"text": "thinking...", "thought": True}, {"text": "answer"}]
    usage = {
        "promptTokenCount": 5,
        "candidatesTokenCount": 2,
        "thoughtsTokenCount": 6,
        "cachedContentTokenCount": 1,
    }
    _, _, payload = answer(response(parts, usageMetadata=usage))
    assert payload["choices"][0]["message"]["content"] == "answer"
    assert payload["usage"] == {
        "prompt_tokens": 5,
        "completion_tokens": 8,
        "total_tokens": 13,
        "prompt_tokens_details": {"cached_tokens": 1},
        "completion_tokens_details": {"reasoning_tokens": 6},
    }


def test_blocked_prompt() -> None:
    _, _, payload = answer(
        {"promptFeedback": {"blockReason": "SAFETY"}, "usageMetadata": {"promptTokenCount": 3}}
    )
    choice = payload["choices"][0]
    assert choice["finish_reason"] == "content_filter"
    assert choice["message"]["content"] is None
    assert payload["model"] == "gemini-2.0-flash"
    assert payload["id"].startswith("chatcmpl-")
    assert payload["usage"] == {"prompt_tokens": 3, "completion_tokens": 0, "total_tokens": 3}


@pytest.mark.parametrize(
    ("reason", "tools", "finish"),
    [
        ("STOP", False, "stop"),
        ("STOP", True, "tool_calls"),
        ("MAX_TOKENS", False, "length"),
        ("MAX_TOKENS", True, "length"),
        ("SAFETY", False, "content_filter"),
        ("RECITATION", False, "content_filter"),
        ("OTHER", False, "stop"),
        (None, False, "stop"),
    ],
)
def test_finish_reason(reason: Any, tools: bool, finish: str) -> None:
    assert finish_reason(reason, tools) == finish


def test_token_counts_include_tool_use_prompt() -> None:
    counts = token_counts(
        {"promptTokenCount": 5, "toolUsePromptTokenCount": 2, "candidatesTokenCount": 1}
    )
    assert counts is not None
    assert (counts.prompt, counts.completion) == (7, 1)
    assert token_counts({"totalTokenCount": 3}) is None
    assert token_counts(None) is None


def test_error_is_openai_shaped_with_same_status() -> None:
    native = {"error": {"code": 400, "message": "API key not valid", "status": "INVALID_ARGUMENT"}}
    status, _, payload = answer(native, status=400)
    assert status == 400
    assert payload["error"] == {
        "message": "API key not valid",
        "type": "invalid_request_error",
        "param": None,
        "code": "INVALID_ARGUMENT",
    }


# --- streams -------------------------------------------------------------------------------


def stream(*responses: dict[str, Any], include_usage: bool = False) -> list[dict[str, Any]]:
    body = sse([(None, r) for r in responses], separator="\r\n\r\n")
    status, content_type, out = translation(True, include_usage).translate_response(
        200, "text/event-stream", body
    )
    assert (status, content_type) == (200, "text/event-stream")
    return chunks_of(out)


def test_text_stream() -> None:
    chunks = stream(
        response([{"text": "Hel"}], finish=None),
        response([{"text": "lo"}], finish=None),
        response([{"text": "!"}], usageMetadata={"promptTokenCount": 8, "candidatesTokenCount": 9}),
        include_usage=True,
    )
    assert deltas(chunks)[0] == {"role": "assistant", "content": ""}
    assert [d.get("content") for d in deltas(chunks)[1:4]] == ["Hel", "lo", "!"]
    assert streamed_text(chunks) == "Hello!"
    assert finish_reasons(chunks) == ["stop"]
    assert {c["id"] for c in chunks} == {"resp-1"}
    assert {c["model"] for c in chunks} == {"gemini-2.0-flash-001"}
    assert chunks[-1]["choices"] == []
    assert chunks[-1]["usage"] == {"prompt_tokens": 8, "completion_tokens": 9, "total_tokens": 17}


def test_stream_without_usage_option_has_no_usage_chunk() -> None:
    chunks = stream(response([{"text": "Hi"}]))
    assert all("usage" not in c for c in chunks)
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"


def test_function_call_stream() -> None:
    chunks = stream(
        response([{"text": "Checking. "}], finish=None),
        response(
            [
                {"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}},
                {"functionCall": {"name": "get_time", "args": {}}},
            ]
        ),
    )
    calls = streamed_tool_calls(chunks)
    assert [(c["name"], c["arguments"]) for c in calls] == [
        ("get_weather", '{"city": "Paris"}'),
        ("get_time", "{}"),
    ]
    assert all(c["id"].startswith("call_") for c in calls)
    assert calls[0]["id"] != calls[1]["id"]
    tool_deltas = [d["tool_calls"][0] for d in deltas(chunks) if d.get("tool_calls")]
    assert [t["index"] for t in tool_deltas] == [0, 1]
    assert all(t["type"] == "function" for t in tool_deltas)
    assert finish_reasons(chunks) == ["tool_calls"]


def test_stream_as_json_array() -> None:
    body = json.dumps([response([{"text": "a"}], finish=None), response([{"text": "b"}])]).encode()
    status, content_type, out = translation(True).translate_response(200, "application/json", body)
    assert content_type == "text/event-stream"
    assert streamed_text(chunks_of(out)) == "ab"


def test_max_tokens_stream() -> None:
    assert finish_reasons(stream(response([{"text": "a"}], finish="MAX_TOKENS"))) == ["length"]
