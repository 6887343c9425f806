"""OpenAI chat requests translated to Anthropic Messages requests."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.compat import ChatTranslation, CompatError, translate_chat_request
from chalicelib.compat.anthropic_request import DEFAULT_MAX_TOKENS

WEATHER = {
    "type": "object",
    "properties": {"city": {"type": "string"}},
    "required": ["city"],
}
TOOLS = [
    {
        "type": "function",
        "function": {"name": "get_weather", "description": "Weather now", "parameters": WEATHER},
    },
    {"type": "function", "function": {"name": "get_time"}},
]


def translate(**body: Any) -> tuple[ChatTranslation, dict[str, Any]]:
    body.setdefault("messages", [{"role": "user", "content": "hi"}])
    translation = translate_chat_request({"model": "anthropic/claude-sonnet-4-5", **body})
    return translation, json.loads(translation.body)


def test_target_and_defaults() -> None:
    translation, native = translate()
    assert translation.provider == "anthropic"
    assert translation.model == "claude-sonnet-4-5"
    assert translation.path_segments == ["v1", "messages"]
    assert translation.query == []
    assert translation.stream is False
    assert native == {
        "model": "claude-sonnet-4-5",
        "max_tokens": DEFAULT_MAX_TOKENS,
        "messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}],
    }


def test_system_messages_become_system() -> None:
    _, native = translate(
        messages=[
            {"role": "system", "content": "Be brief."},
            {"role": "developer", "content": [{"type": "text", "text": "Be kind."}]},
            {"role": "user", "content": "hi"},
        ]
    )
    assert native["system"] == "Be brief.\n\nBe kind."
    assert [m["role"] for m in native["messages"]] == ["user"]


def test_multi_turn() -> None:
    _, native = translate(
        messages=[
            {"role": "user", "content": "one"},
            {"role": "assistant", "content": "two"},
            {"role": "user", "content": [{"type": "text", "text": "three"}]},
        ]
    )
    assert native["messages"] == [
        {"role": "user", "content": [{"type": "text", "text": "one"}]},
        {"role": "assistant", "content": [{"type": "text", "text": "two"}]},
        {"role": "user", "content": [{"type": "text", "text": "three"}]},
    ]


def test_parameters() -> None:
    translation, native = translate(
        max_completion_tokens=50,
        temperature=0.2,
        top_p=0.9,
        stop=["END", "STOP"],
        stream=True,
        user="u-1",
        frequency_penalty=0.5,
    )
    assert translation.stream is True
    assert native["max_tokens"] == 50
    assert native["temperature"] == 0.2
    assert native["top_p"] == 0.9
    assert native["stop_sequences"] == ["END", "STOP"]
    assert native["stream"] is True
    assert native["metadata"] == {"user_id": "u-1"}
    assert "frequency_penalty" not in native


def test_single_stop_string_and_max_tokens() -> None:
    _, native = translate(stop="END", max_tokens=7)
    assert native["stop_sequences"] == ["END"]
    assert native["max_tokens"] == 7


def test_tools() -> None:
    _, native = translate(tools=TOOLS)
    assert native["tools"] == [
        {"name": "get_weather", "description": "Weather now", "input_schema": WEATHER},
        {"name": "get_time", "input_schema": {"type": "object", "properties": {}}},
    ]
    assert "tool_choice" not in native


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        ("auto", {"type": "auto"}),
        ("none", {"type": "none"}),
        ("required", {"type": "any"}),
        (
            {"type": "function", "function": {"name": "get_time"}},
            {"type": "tool", "name": "get_time"},
        ),
    ],
)
def test_tool_choice(choice: Any, expected: dict[str, Any]) -> None:
    assert translate(tools=TOOLS, tool_choice=choice)[1]["tool_choice"] == expected


def test_parallel_tool_calls_false() -> None:
    _, native = translate(tools=TOOLS, parallel_tool_calls=False)
    assert native["tool_choice"] == {"type": "auto", "disable_parallel_tool_use": True}
    _, native = translate(tools=TOOLS, tool_choice="required", parallel_tool_calls=False)
    assert native["tool_choice"] == {"type": "any", "disable_parallel_tool_use": True}


def test_tool_calls_and_results() -> None:
    calls = [
        {
            "id": "call_a",
            "type": "function",
            "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
        },
        {"id": "call_b", "type": "function", "function": {"name": "get_time", "arguments": ""}},
    ]
    _, native = translate(
        tools=TOOLS,
        messages=[
            {"role": "user", "content": "weather and time?"},
            {"role": "assistant", "content": "Let me check.", "tool_calls": calls},
            {"role": "tool", "tool_call_id": "call_a", "content": "sunny"},
            {
                "role": "tool",
                "tool_call_id": "call_b",
                "content": [{"type": "text", "text": "9:00"}],
            },
            {"role": "user", "content": "thanks"},
        ],
    )
    assert native["messages"] == [
        {"role": "user", "content": [{"type": "text", "text": "weather and time?"}]},
        {
            "role": "assistant",
            "content": [
                {"type": "text", "text": "Let me check."},
                {
                    "type": "tool_use",
                    "id": "call_a",
                    "name": "get_weather",
                    "input": {"city": "Paris"},
                },
                {"type": "tool_use", "id": "call_b", "name": "get_time", "input": {}},
            ],
        },
        {
            "role": "user",
            "content": [
                {"type": "tool_result", "tool_use_id": "call_a", "content": "sunny"},
                {"type": "tool_result", "tool_use_id": "call_b", "content": "9:00"},
                {"type": "text", "text": "thanks"},
            ],
        },
    ]


def test_assistant_with_only_tool_calls_has_no_empty_text() -> None:
    call = {"id": "c", "type": "function", "function": {"name": "get_time", "arguments": "{}"}}
    _, native = translate(
        tools=TOOLS,
        messages=[
            {"role": "user", "content": "time?"},
            {"role": "assistant", "content": "", "tool_calls": [call]},
        ],
    )
    assert native["messages"][1]["content"] == [
        {"type": "tool_use", "id": "c", "name": "get_time", "input": {}}
    ]


def test_images() -> None:
    content = [
        {"type": "text", "text": "what is this?"},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}},
        {
            "type": "image_url",
            "image_url": {"url": "https://example.com/cat.jpg", "detail": "high"},
        },
    ]
    _, native = translate(messages=[{"role": "user", "content": content}])
    assert native["messages"][0]["content"] == [
        {"type": "text", "text": "what is this?"},
        {
            "type": "image",
            "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="},
        },
        {"type": "image", "source": {"type": "url", "url": "https://example.com/cat.jpg"}},
    ]


def test_assistant_refusal_part_is_text() -> None:
    _, native = translate(
        messages=[
            {"role": "user", "content": "a"},
            {"role": "assistant", "content": [{"type": "refusal", "refusal": "no"}]},
            {"role": "user", "content": "b"},
        ]
    )
    assert native["messages"][1]["content"] == [{"type": "text", "text": "no"}]


@pytest.mark.parametrize("kind", ["json_object", "json_schema"])
def test_structured_output_is_refused(kind: str) -> None:
    response_format: dict[str, Any] = {"type": kind}
    if kind == "json_schema":
        response_format["json_schema"] = {"name": "x", "schema": {"type": "object"}}
    with pytest.raises(CompatError, match="not supported by anthropic"):
        translate(response_format=response_format)


def test_text_response_format_is_accepted() -> None:
    assert "response_format" not in translate(response_format={"type": "text"})[1]


def test_non_ascii_is_kept_as_utf8() -> None:
    translation, native = translate(messages=[{"role": "user", "content": "héllo ☃"}])
    assert "héllo ☃".encode() in translation.body
    assert native["messages"][0]["content"][0]["text"] == "héllo ☃"
