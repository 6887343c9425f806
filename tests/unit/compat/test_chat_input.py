"""Validation of unified chat requests: invalid input is a CompatError with a clear message."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.compat import CompatError, translate_chat_request
from chalicelib.compat.chat_input import Image, parse_chat_request, parse_data_url

USER = {"role": "user", "content": "hi"}


def request(**extra: Any) -> dict[str, Any]:
    return {"model": "anthropic/claude-x", "messages": [USER], **extra}


def rejects(body: Any, match: str) -> None:
    with pytest.raises(CompatError, match=match):
        translate_chat_request(body)


@pytest.mark.parametrize("body", [None, [], "text", 3])
def test_body_must_be_an_object(body: Any) -> None:
    rejects(body, "request body must be a JSON object")


@pytest.mark.parametrize("model", ["anthropic/claude-x", "openai/gpt-4o", "google-ai-studio/g"])
@pytest.mark.parametrize("messages", [None, [], "hi", {"role": "user"}])
def test_messages_must_be_a_non_empty_list(model: str, messages: Any) -> None:
    rejects({"model": model, "messages": messages}, "'messages' is required")


@pytest.mark.parametrize("model", ["anthropic/claude-x", "openai/gpt-4o"])
def test_bad_roles(model: str) -> None:
    rejects(
        {"model": model, "messages": [{"role": "robot", "content": "x"}]}, r"messages\[0\].role"
    )
    rejects({"model": model, "messages": [USER, "hi"]}, r"messages\[1\] must be a JSON object")


def test_stream_must_be_boolean_even_for_passthrough() -> None:
    rejects({"model": "openai/gpt-4o", "messages": [USER], "stream": "yes"}, "'stream'")
    rejects(request(stream=1), "'stream'")


def test_only_system_messages() -> None:
    rejects(request(messages=[{"role": "system", "content": "s"}]), "other than system")


def test_function_role_is_rejected_for_translation() -> None:
    rejects(request(messages=[{"role": "function", "name": "f", "content": "x"}]), "deprecated")


@pytest.mark.parametrize(
    ("message", "match"),
    [
        ({"role": "user"}, "content is required"),
        ({"role": "user", "content": 5}, "must be a string or an array"),
        ({"role": "user", "content": [{"type": "input_audio"}]}, "'input_audio' is not supported"),
        ({"role": "user", "content": [{"type": "text"}]}, r"content\[0\].text must be a string"),
        ({"role": "user", "content": [{"type": "image_url", "image_url": {}}]}, "url must be"),
        (
            {"role": "user", "content": [{"type": "image_url", "image_url": {"url": "ftp://x"}}]},
            "http",
        ),
        (
            {"role": "user", "content": [{"type": "image_url", "image_url": {"url": "data:,x"}}]},
            "base64",
        ),
        ({"role": "system", "content": [{"type": "image_url"}]}, "must be a text part"),
        ({"role": "assistant"}, "needs content or tool_calls"),
        ({"role": "assistant", "content": None, "tool_calls": {}}, "tool_calls must be an array"),
        ({"role": "tool", "content": "x"}, "tool_call_id is required"),
    ],
)
def test_bad_messages(message: dict[str, Any], match: str) -> None:
    rejects(request(messages=[USER, message]), match)


def tool_call(**function: Any) -> dict[str, Any]:
    return {"id": "call_1", "type": "function", "function": {"name": "f", **function}}


@pytest.mark.parametrize("arguments", ["{not json", "[1, 2]", "3", 7])
def test_tool_call_arguments_must_be_a_json_object(arguments: Any) -> None:
    assistant = {"role": "assistant", "tool_calls": [tool_call(arguments=arguments)]}
    rejects(request(messages=[USER, assistant]), "arguments must be a JSON object")


def test_tool_call_needs_id_and_name() -> None:
    missing_id = {"role": "assistant", "tool_calls": [{"function": {"name": "f"}}]}
    rejects(request(messages=[USER, missing_id]), r"tool_calls\[0\].id")
    missing_name = {"role": "assistant", "tool_calls": [{"id": "c", "function": {}}]}
    rejects(request(messages=[USER, missing_name]), "function.name")


@pytest.mark.parametrize(
    ("extra", "match"),
    [
        ({"tools": {}}, "'tools' must be an array"),
        ({"tools": [{"type": "retrieval"}]}, r"tools\[0\].type must be 'function'"),
        ({"tools": [{"type": "function", "function": {}}]}, "function.name"),
        (
            {"tools": [{"type": "function", "function": {"name": "f", "parameters": []}}]},
            "parameters must be a JSON object",
        ),
        ({"tool_choice": "always"}, "'tool_choice' must be"),
        ({"tool_choice": {"type": "function", "function": {"name": "nope"}}}, "not in 'tools'"),
        ({"temperature": "hot"}, "'temperature' must be a number"),
        ({"top_p": True}, "'top_p' must be a number"),
        ({"max_tokens": 0}, "'max_tokens' must be at least 1"),
        ({"max_completion_tokens": 1.5}, "'max_completion_tokens' must be an integer"),
        ({"stop": [1]}, "'stop' must be a string or an array of strings"),
        ({"n": 2}, "'n' other than 1"),
        ({"stream_options": "x"}, "'stream_options' must be an object"),
        ({"response_format": {"type": "xml"}}, "response_format"),
        ({"parallel_tool_calls": "no"}, "'parallel_tool_calls' must be a bool"),
        ({"user": 5}, "'user' must be a str"),
    ],
)
def test_bad_parameters(extra: dict[str, Any], match: str) -> None:
    rejects(request(**extra), match)


def test_parse_normalizes_the_request() -> None:
    parsed = parse_chat_request(
        {
            "messages": [
                {"role": "developer", "content": "a"},
                {"role": "system", "content": [{"type": "text", "text": "b"}]},
                USER,
            ],
            "max_tokens": 10,
            "max_completion_tokens": 20,
            "stop": "END",
            "stream": True,
            "stream_options": {"include_usage": True},
        },
        "m",
    )
    assert parsed.system == "a\n\nb"
    assert [m.role for m in parsed.turns] == ["user"]
    assert parsed.max_tokens == 20
    assert parsed.stop == ["END"]
    assert parsed.stream and parsed.include_usage


def test_parse_data_url() -> None:
    assert parse_data_url("data:image/png;base64,QUJD") == Image("image/png", "QUJD")
    assert parse_data_url("data:image/jpeg;name=a.jpg;base64,eA==") == Image("image/jpeg", "eA==")
    assert parse_data_url("https://x/y.png") is None
