"""The translation layer against the fake upstream, checked with the official `openai` SDK.

An in-process stand-in for the gateway (an httpx MockTransport) translates each request, lets
`tests.fakes.upstream.respond` answer it in the provider's real wire format, and translates
the answer back; the SDK must parse everything, and the raw bodies must validate strictly
against the SDK's pydantic types.
"""

from __future__ import annotations

import base64
import json
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import httpx
import openai
import pytest
from openai.types import CreateEmbeddingResponse
from openai.types.chat import ChatCompletion, ChatCompletionChunk

from chalicelib.compat import (
    CompatError,
    Translation,
    error_body,
    translate_chat_request,
    translate_embeddings_request,
)
from tests.fakes.upstream import count_tokens, embedding_vector, prompt_text, respond
from tests.support.sse import sse_data

SYSTEM = "Be brief."
USER = "hello there"
REPLY = "echo: " + USER
MODELS = [
    "anthropic/claude-test",
    "google-ai-studio/gemini-2.0-flash",
    "openai/gpt-4o-mini",
    "groq/llama-3.1-8b-instant",
]
WEATHER = {
    "type": "object",
    "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
    "required": ["city"],
}
TOOLS: list[Any] = [
    {"type": "function", "function": {"name": "get_weather", "parameters": WEATHER}},
    {"type": "function", "function": {"name": "get_time"}},
]
TOOL_ARGS = {"city": "echo", "days": 1}


def messages() -> list[Any]:
    return [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": "an earlier question"},
        {"role": "assistant", "content": "an earlier answer"},
        {"role": "user", "content": USER},
    ]


PROMPT_TOKENS = count_tokens(prompt_text(SYSTEM, "an earlier question", "an earlier answer", USER))


@dataclass
class Upstream:
    """What the stand-in gateway sent upstream."""

    targets: list[str] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    bodies: list[dict[str, Any]] = field(default_factory=list)


def call_fake(translation: Translation, headers: dict[str, str]) -> tuple[int, str, bytes]:
    """Send a translation to the in-process fake upstream; return the translated answer."""
    target = f"/{translation.provider}/" + "/".join(translation.path_segments)
    if translation.query:
        target += "?" + urlencode(translation.query)
    upstream = {k.lower(): v for k, v in translation.translate_headers(headers).items()}
    reply = respond("POST", target, upstream, translation.body)
    return translation.translate_response(reply.status, reply.content_type, reply.body)


@pytest.fixture
def upstream() -> Upstream:
    return Upstream()


@pytest.fixture
def client(upstream: Upstream) -> Iterator[openai.OpenAI]:
    def gateway(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        try:
            if request.url.path.endswith("/chat/completions"):
                translation: Translation = translate_chat_request(body)
            else:
                translation = translate_embeddings_request(body)
        except CompatError as exc:
            return httpx.Response(400, content=error_body(400, exc.message))
        headers = dict(request.headers)
        upstream.targets.append("/".join(translation.path_segments))
        upstream.headers.append(translation.translate_headers(headers))
        upstream.bodies.append(json.loads(translation.body))
        status, content_type, out = call_fake(translation, headers)
        return httpx.Response(status, headers={"content-type": content_type}, content=out)

    http = httpx.Client(transport=httpx.MockTransport(gateway))
    yield openai.OpenAI(
        base_url="http://gateway.test/v1/acct/gw/compat",
        api_key="sk-client",
        http_client=http,
        max_retries=0,
    )
    http.close()


# --- official SDK, end to end --------------------------------------------------------------


@pytest.mark.parametrize("model", MODELS)
def test_sdk_chat_completion(client: openai.OpenAI, upstream: Upstream, model: str) -> None:
    completion = client.chat.completions.create(model=model, messages=messages())
    assert completion.object == "chat.completion"
    assert completion.choices[0].message.role == "assistant"
    assert completion.choices[0].message.content == REPLY
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage is not None
    assert completion.usage.prompt_tokens == PROMPT_TOKENS
    assert completion.usage.completion_tokens == count_tokens(REPLY)
    assert completion.usage.total_tokens == PROMPT_TOKENS + count_tokens(REPLY)
    (headers,) = upstream.headers
    key_header = {"anthropic": "x-api-key", "google-ai-studio": "x-goog-api-key"}
    slug = model.split("/")[0]
    if slug in key_header:
        assert headers[key_header[slug]] == "sk-client"
    else:
        assert headers["authorization"] == "Bearer sk-client"


@pytest.mark.parametrize("model", MODELS)
def test_sdk_stream_with_usage(client: openai.OpenAI, model: str) -> None:
    chunks = list(
        client.chat.completions.create(
            model=model,
            messages=messages(),
            stream=True,
            stream_options={"include_usage": True},
        )
    )
    assert chunks[0].choices[0].delta.role == "assistant"
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == REPLY
    assert chunks[-2].choices[0].finish_reason == "stop"
    assert chunks[-1].choices == []
    assert chunks[-1].usage is not None
    assert chunks[-1].usage.prompt_tokens == PROMPT_TOKENS
    assert chunks[-1].usage.completion_tokens == count_tokens(REPLY)
    assert len({c.id for c in chunks}) == 1


@pytest.mark.parametrize("model", MODELS)
def test_sdk_stream_without_usage(client: openai.OpenAI, model: str) -> None:
    chunks = list(client.chat.completions.create(model=model, messages=messages(), stream=True))
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == REPLY
    assert all(c.usage is None for c in chunks)


def follow_up(call: Any) -> list[Any]:
    """The conversation after the model called `call`, with the tool's answer."""
    assistant = {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": call.id,
                "type": "function",
                "function": {"name": call.function.name, "arguments": call.function.arguments},
            }
        ],
    }
    return [*messages(), assistant, {"role": "tool", "tool_call_id": call.id, "content": "sunny"}]


@pytest.mark.parametrize("model", MODELS)
def test_sdk_tool_round_trip(client: openai.OpenAI, upstream: Upstream, model: str) -> None:
    first = client.chat.completions.create(model=model, messages=messages(), tools=TOOLS)
    assert first.choices[0].finish_reason == "tool_calls"
    calls = first.choices[0].message.tool_calls
    assert calls is not None and len(calls) == 1
    call = calls[0]
    assert call.type == "function"
    assert call.id
    assert call.function.name == "get_weather"
    assert json.loads(call.function.arguments) == TOOL_ARGS
    second = client.chat.completions.create(model=model, messages=follow_up(call), tools=TOOLS)
    assert second.choices[0].message.content == "echo: sunny"
    assert second.choices[0].finish_reason == "stop"
    assert second.choices[0].message.tool_calls is None
    if model.startswith("google"):
        results = upstream.bodies[-1]["contents"][-1]["parts"]
        assert results == [
            {"functionResponse": {"name": "get_weather", "response": {"output": "sunny"}}}
        ]


@pytest.mark.parametrize("model", MODELS)
def test_sdk_tool_round_trip_streamed(client: openai.OpenAI, model: str) -> None:
    with client.chat.completions.stream(model=model, messages=messages(), tools=TOOLS) as stream:
        first = stream.get_final_completion()
    assert first.choices[0].finish_reason == "tool_calls"
    calls = first.choices[0].message.tool_calls
    assert calls is not None and len(calls) == 1
    assert calls[0].function.name == "get_weather"
    assert json.loads(calls[0].function.arguments) == TOOL_ARGS
    with client.chat.completions.stream(
        model=model, messages=follow_up(calls[0]), tools=TOOLS
    ) as stream:
        second = stream.get_final_completion()
    assert second.choices[0].message.content == "echo: sunny"


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("stream", [False, True])
def test_sdk_provider_error(client: openai.OpenAI, model: str, stream: bool) -> None:
    with pytest.raises(openai.RateLimitError) as caught:
        client.chat.completions.create(
            model=model,
            messages=messages(),
            stream=stream,
            extra_headers={"x-fake-status": "429"},
        )
    assert caught.value.status_code == 429
    assert isinstance(caught.value.body, dict)
    assert caught.value.body["message"] == "fake upstream error 429"


def test_sdk_bad_request(client: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(model="gpt-4o", messages=messages())
    assert "{provider}/{model}" in caught.value.message


@pytest.mark.parametrize("encoding", ["float", "base64", None])
def test_sdk_google_embeddings(client: openai.OpenAI, upstream: Upstream, encoding: Any) -> None:
    inputs = ["first text", "the second text"]
    extra = {"encoding_format": encoding} if encoding else {}
    result = client.embeddings.create(
        model="google-ai-studio/text-embedding-004", input=inputs, **extra
    )
    assert upstream.targets == ["v1beta/models/text-embedding-004:batchEmbedContents"]
    assert [item.index for item in result.data] == [0, 1]
    vectors: list[Any] = [item.embedding for item in result.data]
    if encoding == "base64":  # asked for explicitly: the SDK hands the strings over as they are
        vectors = [list(struct.unpack("<8f", base64.b64decode(v))) for v in vectors]
    assert vectors == [embedding_vector(t) for t in inputs]
    assert result.model == "text-embedding-004"
    assert upstream.bodies[0]["requests"][1]["content"] == {"parts": [{"text": inputs[1]}]}


# --- strict validation of the raw translated bodies ----------------------------------------


def raw(model: str, **extra: Any) -> tuple[int, str, bytes]:
    translation = translate_chat_request({"model": model, "messages": messages(), **extra})
    return call_fake(translation, {"authorization": "Bearer k"})


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("tools", [False, True])
def test_raw_completion_validates(model: str, tools: bool) -> None:
    status, content_type, body = raw(model, **({"tools": TOOLS} if tools else {}))
    assert (status, content_type) == (200, "application/json")
    completion = ChatCompletion.model_validate(json.loads(body))
    assert completion.choices[0].finish_reason == ("tool_calls" if tools else "stop")


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("tools", [False, True])
def test_raw_chunks_validate(model: str, tools: bool) -> None:
    extra: dict[str, Any] = {"stream": True, "stream_options": {"include_usage": True}}
    if tools:
        extra["tools"] = TOOLS
    status, content_type, body = raw(model, **extra)
    assert status == 200
    assert content_type.startswith("text/event-stream")
    data = sse_data(body)
    assert data[-1] == "[DONE]"
    chunks = [ChatCompletionChunk.model_validate(json.loads(item)) for item in data[:-1]]
    assert chunks[-1].usage is not None
    arguments = "".join(
        call.function.arguments or ""
        for chunk in chunks
        for choice in chunk.choices
        for call in choice.delta.tool_calls or []
        if call.function is not None
    )
    if tools:
        assert json.loads(arguments) == TOOL_ARGS
    else:
        assert arguments == ""


def test_raw_embeddings_validate() -> None:
    translation = translate_embeddings_request({"model": "google-ai-studio/e", "input": "one"})
    status, _, body = call_fake(translation, {})
    assert status == 200
    result = CreateEmbeddingResponse.model_validate(json.loads(body))
    assert result.object == "list"
    assert result.data[0].embedding == embedding_vector("one")
    assert result.usage.prompt_tokens == 0
