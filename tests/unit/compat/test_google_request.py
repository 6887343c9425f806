"""OpenAI chat requests translated to Gemini generateContent requests."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.compat import ChatTranslation, CompatError, translate_chat_request
from chalicelib.compat.google_request import function_response

PARAMS = {
    "type": "object",
    "properties": {"city": {"type": "string"}},
    "additionalProperties": False,
}
TOOLS = [
    {
        "type": "function",
        "function": {"name": "get_weather", "description": "W", "parameters": PARAMS},
    },
    {"type": "function", "function": {"name": "get_time"}},
]


def translate(**body: Any) -> tuple[ChatTranslation, dict[str, Any]]:
    body.setdefault("messages", [{"role": "user", "content": "hi"}])
    translation = translate_chat_request({"model": "google-ai-studio/gemini-2.0-flash", **body})
    return translation, json.loads(translation.body)


def call(call_id: str, name: str, arguments: str) -> dict[str, Any]:
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}


def test_target() -> None:
    translation, native = translate()
    assert translation.provider == "google-ai-studio"
    assert translation.model == "gemini-2.0-flash"
    assert translation.path_segments == ["v1beta", "models", "gemini-2.0-flash:generateContent"]
    assert translation.query == []
    assert native == {"contents": [{"role": "user", "parts": [{"text": "hi"}]}]}


def test_stream_target() -> None:
    translation, native = translate(stream=True)
    assert translation.stream is True
    assert translation.path_segments[-1] == "gemini-2.0-flash:streamGenerateContent"
    assert translation.query == [("alt", "sse")]
    assert "stream" not in native


def test_system_and_roles() -> None:
    _, native = translate(
        messages=[
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "one"},
            {"role": "assistant", "content": "two"},
            {"role": "user", "content": "three"},
        ]
    )
    assert native["systemInstruction"] == {"parts": [{"text": "Be brief."}]}
    assert native["contents"] == [
        {"role": "user", "parts": [{"text": "one"}]},
        {"role": "model", "parts": [{"text": "two"}]},
        {"role": "user", "parts": [{"text": "three"}]},
    ]


def test_generation_config() -> None:
    _, native = translate(
        temperature=0.5,
        top_p=0.8,
        max_tokens=99,
        stop="END",
        seed=3,
        presence_penalty=0.1,
        frequency_penalty=0.2,
    )
    assert native["generationConfig"] == {
        "temperature": 0.5,
        "topP": 0.8,
        "maxOutputTokens": 99,
        "seed": 3,
        "presencePenalty": 0.1,
        "frequencyPenalty": 0.2,
        "stopSequences": ["END"],
    }


def test_response_format() -> None:
    schema = {"type": "object", "properties": {"a": {"type": "integer"}}}
    _, native = translate(
        response_format={"type": "json_schema", "json_schema": {"name": "x", "schema": schema}}
    )
    assert native["generationConfig"] == {
        "responseMimeType": "application/json",
        "responseJsonSchema": schema,
    }
    _, native = translate(response_format={"type": "json_object"})
    assert native["generationConfig"] == {"responseMimeType": "application/json"}


def test_tools_and_choice() -> None:
    _, native = translate(tools=TOOLS)
    assert native["tools"] == [
        {
            "functionDeclarations": [
                {"name": "get_weather", "description": "W", "parametersJsonSchema": PARAMS},
                {"name": "get_time", "parametersJsonSchema": {"type": "object", "properties": {}}},
            ]
        }
    ]
    assert "toolConfig" not in native


@pytest.mark.parametrize(
    ("choice", "config"),
    [
        ("auto", {"mode": "AUTO"}),
        ("none", {"mode": "NONE"}),
        ("required", {"mode": "ANY"}),
        (
            {"type": "function", "function": {"name": "get_time"}},
            {"mode": "ANY", "allowedFunctionNames": ["get_time"]},
        ),
    ],
)
def test_tool_choice(choice: Any, config: dict[str, Any]) -> None:
    _, native = translate(tools=TOOLS, tool_choice=choice)
    assert native["toolConfig"] == {"functionCallingConfig": config}


def test_tool_calls_and_results_use_the_function_name() -> None:
    _, native = translate(
        tools=TOOLS,
        messages=[
            {"role": "user", "content": "weather and time?"},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    call("call_a", "get_weather", '{"city": "Paris"}'),
                    call("call_b", "get_time", "{}"),
                ],
            },
            {"role": "tool", "tool_call_id": "call_a", "content": "sunny"},
            {"role": "tool", "tool_call_id": "call_b", "content": '{"hour": 9}'},
        ],
    )
    assert native["contents"] == [
        {"role": "user", "parts": [{"text": "weather and time?"}]},
        {
            "role": "model",
            "parts": [
                {"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}},
                {"functionCall": {"name": "get_time", "args": {}}},
            ],
        },
        {
            "role": "user",
            "parts": [
                {"functionResponse": {"name": "get_weather", "response": {"output": "sunny"}}},
                {"functionResponse": {"name": "get_time", "response": {"hour": 9}}},
            ],
        },
    ]


def test_tool_result_without_matching_call() -> None:
    with pytest.raises(CompatError, match="'call_x' does not answer any earlier tool call"):
        translate(
            messages=[
                {"role": "user", "content": "x"},
                {"role": "tool", "tool_call_id": "call_x", "content": "r"},
            ]
        )


def test_images() -> None:
    content = [
        {"type": "text", "text": "what?"},
        {"type": "image_url", "image_url": {"url": "data:image/webp;base64,UklGRg=="}},
        {"type": "image_url", "image_url": {"url": "https://example.com/a/cat.png?size=2"}},
        {"type": "image_url", "image_url": {"url": "https://example.com/photo"}},
    ]
    _, native = translate(messages=[{"role": "user", "content": content}])
    assert native["contents"][0]["parts"] == [
        {"text": "what?"},
        {"inlineData": {"mimeType": "image/webp", "data": "UklGRg=="}},
        {"fileData": {"mimeType": "image/png", "fileUri": "https://example.com/a/cat.png?size=2"}},
        {"fileData": {"mimeType": "image/jpeg", "fileUri": "https://example.com/photo"}},
    ]


def test_consecutive_user_turns_share_one_content() -> None:
    _, native = translate(
        messages=[{"role": "user", "content": "a"}, {"role": "user", "content": "b"}]
    )
    assert native["contents"] == [{"role": "user", "parts": [{"text": "a"}, {"text": "b"}]}]


@pytest.mark.parametrize(
    ("text", "response"),
    [
        ("plain", {"output": "plain"}),
        ('{"a": 1}', {"a": 1}),
        ("[1, 2]", {"output": "[1, 2]"}),
        ("", {"output": ""}),
    ],
)
def test_function_response(text: str, response: dict[str, Any]) -> None:
    assert function_response(text) == response


def test_models_prefix_is_accepted() -> None:
    translation = translate_chat_request(
        {
            "model": "google-ai-studio/models/gemini-pro",
            "messages": [{"role": "user", "content": "x"}],
        }
    )
    assert translation.path_segments[-1] == "gemini-pro:generateContent"
