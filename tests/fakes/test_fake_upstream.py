"""The fake upstream, exercised with the official SDKs (no gateway involved)."""

from __future__ import annotations

import base64
import json
import struct
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import anthropic
import httpx
import openai
import pytest

from tests.fakes.upstream import (
    ARGUMENT_FRAGMENT,
    FakeUpstreamProcess,
    count_tokens,
    embedding_vector,
    prompt_text,
    speech_bytes,
    split_words,
    tool_arguments,
    transcription_text,
)

SYSTEM = "Be brief."
USER = "hello there"
REPLY = "echo: " + USER
GEMINI_PATH = "/google/v1beta/models/gemini-2.0-flash"


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeUpstreamProcess]:
    with FakeUpstreamProcess() as process:
        yield process


@pytest.fixture
def oai(fake: FakeUpstreamProcess) -> openai.OpenAI:
    return openai.OpenAI(base_url=fake.url + "/openai/v1", api_key="sk-test", max_retries=0)


@pytest.fixture
def claude(fake: FakeUpstreamProcess) -> anthropic.Anthropic:
    return anthropic.Anthropic(
        base_url=fake.url + "/anthropic", api_key="sk-ant-test", max_retries=0
    )


def chat_messages() -> list[dict[str, Any]]:
    return [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": "an earlier question"},
        {"role": "assistant", "content": "an earlier answer"},
        {"role": "user", "content": USER},
    ]


def chat_prompt_tokens() -> int:
    return count_tokens(prompt_text(SYSTEM, "an earlier question", "an earlier answer", USER))


def gemini_body() -> dict[str, Any]:
    return {
        "systemInstruction": {"parts": [{"text": SYSTEM}]},
        "contents": [{"role": "user", "parts": [{"text": USER}]}],
    }


def sse_lines(body: str, field: str, separator: str = "\n\n") -> list[str]:
    """Values of one SSE field (``data``, ``event``) in an SSE body, in order."""
    prefix = field + ": "
    lines = [line for event in body.split(separator) for line in event.splitlines()]
    return [line[len(prefix) :] for line in lines if line.startswith(prefix)]


# --------------------------------------------------------------------------- pure helpers


def test_count_tokens_counts_words_with_minimum_one() -> None:
    assert count_tokens("a b  c\nd") == 4
    assert count_tokens("") == 1
    assert count_tokens(prompt_text(SYSTEM, USER)) == 4


def test_split_words_keeps_text_intact() -> None:
    assert split_words(REPLY) == ["echo:", " hello", " there"]
    assert split_words("echo: ") == ["echo: "]


# --------------------------------------------------------------------------- OpenAI


def test_chat_completion(oai: openai.OpenAI) -> None:
    completion = oai.chat.completions.create(model="gpt-4o-mini", messages=chat_messages())
    assert completion.object == "chat.completion"
    assert completion.id.startswith("chatcmpl-")
    assert completion.model == "gpt-4o-mini"
    assert completion.choices[0].message.role == "assistant"
    assert completion.choices[0].message.content == REPLY
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage is not None
    assert completion.usage.prompt_tokens == chat_prompt_tokens() == 10
    assert completion.usage.completion_tokens == count_tokens(REPLY) == 3
    assert completion.usage.total_tokens == 13
    assert completion.usage.prompt_tokens_details.cached_tokens == 0


def test_chat_content_parts_and_any_prefix(fake: FakeUpstreamProcess) -> None:
    client = openai.OpenAI(base_url=fake.url + "/groq/openai/v1", api_key="gsk-test")
    parts = [{"type": "text", "text": "hello"}, {"type": "text", "text": "parts"}]
    completion = client.chat.completions.create(
        model="llama-3.1-8b-instant", messages=[{"role": "user", "content": parts}]
    )
    assert completion.choices[0].message.content == "echo: hello parts"
    assert completion.model == "llama-3.1-8b-instant"


def test_chat_stream_with_usage(oai: openai.OpenAI) -> None:
    chunks = list(
        oai.chat.completions.create(
            model="gpt-4o-mini",
            messages=chat_messages(),
            stream=True,
            stream_options={"include_usage": True},
        )
    )
    assert chunks[0].choices[0].delta.role == "assistant"
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == REPLY
    deltas = [c.choices[0].delta.content for c in chunks[1:-2]]
    assert deltas == split_words(REPLY)
    assert chunks[-2].choices[0].finish_reason == "stop"
    final = chunks[-1]
    assert final.choices == []
    assert final.usage is not None
    assert final.usage.prompt_tokens == chat_prompt_tokens()
    assert final.usage.completion_tokens == count_tokens(REPLY)
    assert all(c.usage is None for c in chunks[:-1])


def test_chat_stream_without_usage_option_has_no_usage_chunk(oai: openai.OpenAI) -> None:
    chunks = list(oai.chat.completions.create(model="m", messages=chat_messages(), stream=True))
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert all(c.usage is None for c in chunks)


def test_embeddings(oai: openai.OpenAI) -> None:
    inputs = ["first text", "the second text"]
    result = oai.embeddings.create(
        model="text-embedding-3-small", input=inputs, encoding_format="float"
    )
    assert [item.index for item in result.data] == [0, 1]
    assert [item.embedding for item in result.data] == [embedding_vector(t) for t in inputs]
    assert len(result.data[0].embedding) == 8
    assert result.data[0].embedding != result.data[1].embedding
    assert result.model == "text-embedding-3-small"
    assert result.usage.prompt_tokens == result.usage.total_tokens == 5


def test_embeddings_default_sdk_encoding(oai: openai.OpenAI) -> None:
    result = oai.embeddings.create(model="text-embedding-3-small", input="one input")
    assert result.data[0].embedding == embedding_vector("one input")
    assert result.usage.prompt_tokens == 2


def test_embeddings_explicit_base64(oai: openai.OpenAI) -> None:
    result = oai.embeddings.create(model="m", input="one input", encoding_format="base64")
    encoded = result.data[0].embedding
    assert isinstance(encoded, str)
    assert list(struct.unpack("<8f", base64.b64decode(encoded))) == embedding_vector("one input")


def test_responses(oai: openai.OpenAI) -> None:
    response = oai.responses.create(model="gpt-4.1", instructions=SYSTEM, input=USER)
    assert response.id.startswith("resp_")
    assert response.status == "completed"
    assert response.model == "gpt-4.1"
    assert response.output_text == REPLY
    assert response.usage is not None
    assert response.usage.input_tokens == count_tokens(prompt_text(SYSTEM, USER))
    assert response.usage.output_tokens == count_tokens(REPLY)
    assert response.usage.total_tokens == 7


def test_responses_item_input(oai: openai.OpenAI) -> None:
    items: Any = [
        {"role": "user", "content": "first"},
        {"role": "assistant", "content": "reply"},
        {"role": "user", "content": [{"type": "input_text", "text": USER}]},
    ]
    response = oai.responses.create(model="gpt-4.1", input=items)
    assert response.output_text == REPLY
    assert response.usage is not None
    assert response.usage.input_tokens == count_tokens(prompt_text("first", "reply", USER))


def test_responses_stream(oai: openai.OpenAI) -> None:
    events = list(oai.responses.create(model="gpt-4.1", input=USER, stream=True))
    words = split_words(REPLY)
    assert [e.type for e in events] == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
        *["response.output_text.delta"] * len(words),
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
    ]
    assert [e.sequence_number for e in events] == list(range(len(events)))
    assert [e.delta for e in events if e.type == "response.output_text.delta"] == words
    completed = events[-1]
    assert completed.type == "response.completed"
    assert completed.response.output_text == REPLY
    assert completed.response.usage is not None
    assert completed.response.usage.input_tokens == count_tokens(USER)
    assert completed.response.usage.output_tokens == count_tokens(REPLY)


def test_responses_stream_helper(oai: openai.OpenAI) -> None:
    with oai.responses.stream(model="gpt-4.1", input=USER) as stream:
        final = stream.get_final_response()
    assert final.output_text == REPLY


def test_audio_speech(oai: openai.OpenAI) -> None:
    text = "say this out loud"
    audio = oai.audio.speech.create(model="tts-1", voice="alloy", input=text)
    assert audio.response.headers["content-type"] == "audio/mpeg"
    assert audio.content == speech_bytes(text)
    assert b"\xff\xfe\x00" in audio.content


def test_audio_transcription(oai: openai.OpenAI, fake: FakeUpstreamProcess) -> None:
    data = bytes(range(256)) * 3 + b"\x00\xff\r\n--\r\n"
    fake.clear()
    result = oai.audio.transcriptions.create(model="whisper-1", file=("a.mp3", data, "audio/mpeg"))
    assert result.text == transcription_text(len(data))
    assert str(len(data)) in result.text
    (entry,) = fake.requests()
    assert data in entry["body"]


# --------------------------------------------------------------------------- Anthropic


def anthropic_messages() -> list[Any]:
    return [
        {"role": "user", "content": "first"},
        {"role": "assistant", "content": "answer"},
        {"role": "user", "content": [{"type": "text", "text": USER}]},
    ]


def anthropic_prompt_tokens() -> int:
    return count_tokens(prompt_text(SYSTEM, "first", "answer", USER))


def test_anthropic_messages(claude: anthropic.Anthropic) -> None:
    message = claude.messages.create(
        model="claude-test-model", max_tokens=100, system=SYSTEM, messages=anthropic_messages()
    )
    assert message.id.startswith("msg_")
    assert message.model == "claude-test-model"
    assert message.content[0].type == "text"
    assert message.content[0].text == REPLY
    assert message.stop_reason == "end_turn"
    assert message.usage.input_tokens == anthropic_prompt_tokens() == 6
    assert message.usage.output_tokens == count_tokens(REPLY)
    assert message.usage.cache_read_input_tokens == 0


def test_anthropic_stream_helper(claude: anthropic.Anthropic) -> None:
    with claude.messages.stream(
        model="claude-test-model", max_tokens=100, system=SYSTEM, messages=anthropic_messages()
    ) as stream:
        text = "".join(stream.text_stream)
        final = stream.get_final_message()
    assert text == REPLY
    assert final.content[0].type == "text"
    assert final.content[0].text == REPLY
    assert final.stop_reason == "end_turn"
    assert final.usage.input_tokens == anthropic_prompt_tokens()
    assert final.usage.output_tokens == count_tokens(REPLY)


def test_anthropic_raw_stream_events(claude: anthropic.Anthropic) -> None:
    events = list(
        claude.messages.create(
            model="claude-test-model", max_tokens=10, messages=anthropic_messages(), stream=True
        )
    )
    words = split_words(REPLY)
    assert [e.type for e in events] == [
        "message_start",
        "content_block_start",
        *["content_block_delta"] * len(words),
        "content_block_stop",
        "message_delta",
        "message_stop",
    ]
    assert events[0].type == "message_start"
    assert events[0].message.usage.output_tokens == 1


def test_anthropic_stream_wire_has_ping(fake: FakeUpstreamProcess) -> None:
    body = {"model": "m", "max_tokens": 5, "stream": True, "messages": anthropic_messages()}
    response = httpx.post(fake.url + "/anthropic/v1/messages", json=body)
    names = sse_lines(response.text, "event")
    assert names[:3] == ["message_start", "content_block_start", "ping"]
    assert [json.loads(data)["type"] for data in sse_lines(response.text, "data")] == names


# --------------------------------------------------------------------------- Gemini


def test_gemini_generate_content(fake: FakeUpstreamProcess) -> None:
    response = httpx.post(
        fake.url + GEMINI_PATH + ":generateContent",
        json=gemini_body(),
        headers={"x-goog-api-key": "g-test"},
    )
    assert response.status_code == 200
    payload = response.json()
    candidate = payload["candidates"][0]
    assert candidate["content"] == {"parts": [{"text": REPLY}], "role": "model"}
    assert candidate["finishReason"] == "STOP"
    assert candidate["index"] == 0
    assert payload["modelVersion"] == "gemini-2.0-flash"
    prompt_tokens = count_tokens(prompt_text(SYSTEM, USER))
    assert payload["usageMetadata"] == {
        "promptTokenCount": prompt_tokens,
        "candidatesTokenCount": count_tokens(REPLY),
        "totalTokenCount": prompt_tokens + count_tokens(REPLY),
    }


def test_gemini_stream_generate_content_sse(fake: FakeUpstreamProcess) -> None:
    url = fake.url + GEMINI_PATH + ":streamGenerateContent?alt=sse"
    response = httpx.post(url, json=gemini_body())
    assert response.headers["content-type"] == "text/event-stream"
    assert "transfer-encoding" not in response.headers
    assert int(response.headers["content-length"]) == len(response.content)
    assert "\r\n\r\n" in response.text
    chunks = [json.loads(data) for data in sse_lines(response.text, "data", "\r\n\r\n")]
    texts = [c["candidates"][0]["content"]["parts"][0]["text"] for c in chunks]
    assert texts == split_words(REPLY)
    assert "finishReason" not in chunks[0]["candidates"][0]
    assert chunks[-1]["candidates"][0]["finishReason"] == "STOP"
    assert all("usageMetadata" in c for c in chunks)
    assert chunks[-1]["usageMetadata"]["candidatesTokenCount"] == count_tokens(REPLY)
    assert chunks[-1]["usageMetadata"]["promptTokenCount"] == count_tokens(SYSTEM + " " + USER)


def test_gemini_stream_without_sse_is_json_array(fake: FakeUpstreamProcess) -> None:
    response = httpx.post(fake.url + GEMINI_PATH + ":streamGenerateContent", json=gemini_body())
    chunks = response.json()
    assert "".join(c["candidates"][0]["content"]["parts"][0]["text"] for c in chunks) == REPLY


# --------------------------------------------------------------------------- tools

WEATHER_SCHEMA = {
    "type": "object",
    "properties": {
        "city": {"type": "string", "description": "City name"},
        "days": {"type": "integer"},
        "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
        "hourly": {"type": ["boolean", "null"]},
    },
    "required": ["city"],
}
WEATHER_ARGS = {"city": "echo", "days": 1, "unit": "celsius", "hourly": True}
TIME_SCHEMA = {"type": "object", "properties": {"zone": {"type": "string"}}}


def openai_tools() -> list[Any]:
    return [
        {"type": "function", "function": {"name": "get_weather", "parameters": WEATHER_SCHEMA}},
        {"type": "function", "function": {"name": "get_time", "parameters": TIME_SCHEMA}},
    ]


def tool_tokens(name: str, args: dict[str, Any]) -> int:
    return count_tokens(name + " " + json.dumps(args))


def test_tool_arguments_follow_the_schema() -> None:
    assert tool_arguments(WEATHER_SCHEMA) == WEATHER_ARGS
    gemini_schema = {"type": "OBJECT", "properties": {"n": {"type": "NUMBER"}, "o": {}}}
    assert tool_arguments(gemini_schema) == {"n": 1, "o": None}
    assert tool_arguments({"type": "object"}) == {}
    assert tool_arguments(None) == {}


def test_openai_tool_call(oai: openai.OpenAI) -> None:
    completion = oai.chat.completions.create(
        model="m", messages=chat_messages(), tools=openai_tools()
    )
    choice = completion.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert choice.message.content is None
    assert choice.message.tool_calls is not None
    (call,) = choice.message.tool_calls
    assert call.type == "function"
    assert call.id.startswith("call_")
    assert call.function.name == "get_weather"
    assert json.loads(call.function.arguments) == WEATHER_ARGS
    assert completion.usage is not None
    assert completion.usage.prompt_tokens == chat_prompt_tokens()
    assert completion.usage.completion_tokens == tool_tokens("get_weather", WEATHER_ARGS)


def test_openai_tool_choice_named_and_none(oai: openai.OpenAI) -> None:
    named = oai.chat.completions.create(
        model="m",
        messages=chat_messages(),
        tools=openai_tools(),
        tool_choice={"type": "function", "function": {"name": "get_time"}},
    )
    calls = named.choices[0].message.tool_calls
    assert calls is not None
    assert calls[0].function.name == "get_time"
    assert json.loads(calls[0].function.arguments) == {"zone": "echo"}
    none = oai.chat.completions.create(
        model="m", messages=chat_messages(), tools=openai_tools(), tool_choice="none"
    )
    assert none.choices[0].message.content == REPLY
    assert none.choices[0].finish_reason == "stop"


def test_openai_tool_call_stream(oai: openai.OpenAI) -> None:
    chunks = list(
        oai.chat.completions.create(
            model="m",
            messages=chat_messages(),
            tools=openai_tools(),
            stream=True,
            stream_options={"include_usage": True},
        )
    )
    first = chunks[0].choices[0].delta
    assert first.role == "assistant"
    assert first.tool_calls is not None
    assert first.tool_calls[0].id is not None
    assert first.tool_calls[0].function is not None
    assert first.tool_calls[0].function.name == "get_weather"
    fragments = [
        c.choices[0].delta.tool_calls[0].function.arguments
        for c in chunks[1:]
        if c.choices and c.choices[0].delta.tool_calls
    ]
    assert len(fragments) > 1
    assert all(len(f) <= ARGUMENT_FRAGMENT for f in fragments)
    assert json.loads("".join(fragments)) == WEATHER_ARGS
    assert chunks[-2].choices[0].finish_reason == "tool_calls"
    assert chunks[-1].usage is not None
    assert chunks[-1].usage.completion_tokens == tool_tokens("get_weather", WEATHER_ARGS)


def test_openai_tool_result_is_answered(oai: openai.OpenAI) -> None:
    function = {"name": "get_weather", "arguments": json.dumps(WEATHER_ARGS)}
    messages: list[Any] = [
        {"role": "user", "content": "weather?"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [{"id": "call_1", "type": "function", "function": function}],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": "sunny"},
    ]
    completion = oai.chat.completions.create(model="m", messages=messages, tools=openai_tools())
    assert completion.choices[0].message.content == "echo: sunny"
    assert completion.choices[0].message.tool_calls is None
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage is not None
    assert completion.usage.completion_tokens == count_tokens("echo: sunny")


def anthropic_tools() -> list[Any]:
    return [
        {"name": "get_weather", "description": "Weather", "input_schema": WEATHER_SCHEMA},
        {"name": "get_time", "input_schema": TIME_SCHEMA},
    ]


def test_anthropic_tool_use(claude: anthropic.Anthropic) -> None:
    message = claude.messages.create(
        model="m", max_tokens=100, messages=anthropic_messages(), tools=anthropic_tools()
    )
    assert message.stop_reason == "tool_use"
    (block,) = message.content
    assert block.type == "tool_use"
    assert block.id.startswith("toolu_")
    assert block.name == "get_weather"
    assert block.input == WEATHER_ARGS
    assert message.usage.output_tokens == tool_tokens("get_weather", WEATHER_ARGS)


def test_anthropic_tool_choice(claude: anthropic.Anthropic) -> None:
    named = claude.messages.create(
        model="m",
        max_tokens=100,
        messages=anthropic_messages(),
        tools=anthropic_tools(),
        tool_choice={"type": "tool", "name": "get_time"},
    )
    assert named.content[0].type == "tool_use"
    assert named.content[0].name == "get_time"
    none = claude.messages.create(
        model="m",
        max_tokens=100,
        messages=anthropic_messages(),
        tools=anthropic_tools(),
        tool_choice={"type": "none"},
    )
    assert none.content[0].type == "text"
    assert none.stop_reason == "end_turn"


def test_anthropic_tool_use_stream(claude: anthropic.Anthropic) -> None:
    events = list(
        claude.messages.create(
            model="m",
            max_tokens=100,
            messages=anthropic_messages(),
            tools=anthropic_tools(),
            stream=True,
        )
    )
    kinds = [e.type for e in events]
    assert kinds[:2] == ["message_start", "content_block_start"]
    assert kinds[-3:] == ["content_block_stop", "message_delta", "message_stop"]
    start = events[1]
    assert start.type == "content_block_start"
    assert start.content_block.type == "tool_use"
    assert start.content_block.name == "get_weather"
    assert start.content_block.input == {}
    fragments = [
        e.delta.partial_json
        for e in events
        if e.type == "content_block_delta" and e.delta.type == "input_json_delta"
    ]
    assert len(fragments) > 1
    assert json.loads("".join(fragments)) == WEATHER_ARGS
    delta = events[-2]
    assert delta.type == "message_delta"
    assert delta.delta.stop_reason == "tool_use"


def test_anthropic_tool_use_stream_helper(claude: anthropic.Anthropic) -> None:
    with claude.messages.stream(
        model="m", max_tokens=100, messages=anthropic_messages(), tools=anthropic_tools()
    ) as stream:
        final = stream.get_final_message()
    assert final.stop_reason == "tool_use"
    assert final.content[0].type == "tool_use"
    assert final.content[0].input == WEATHER_ARGS


@pytest.mark.parametrize("stream", [False, True])
def test_anthropic_tool_result_is_answered(claude: anthropic.Anthropic, stream: bool) -> None:
    result_content: Any = [{"type": "text", "text": "sunny"}, {"type": "text", "text": "today"}]
    messages: list[Any] = [
        {"role": "user", "content": "weather?"},
        {
            "role": "assistant",
            "content": [
                {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {}},
            ],
        },
        {
            "role": "user",
            "content": [
                {"type": "tool_result", "tool_use_id": "toolu_1", "content": result_content}
            ],
        },
    ]
    if stream:
        with claude.messages.stream(
            model="m", max_tokens=100, messages=messages, tools=anthropic_tools()
        ) as events:
            message = events.get_final_message()
    else:
        message = claude.messages.create(
            model="m", max_tokens=100, messages=messages, tools=anthropic_tools()
        )
    assert message.stop_reason == "end_turn"
    assert message.content[0].type == "text"
    assert message.content[0].text == "echo: sunny today"


def gemini_tool_body(**extra: Any) -> dict[str, Any]:
    declarations = [
        {"name": "get_weather", "parametersJsonSchema": WEATHER_SCHEMA},
        {
            "name": "get_time",
            "parameters": {"type": "OBJECT", "properties": {"zone": {"type": "STRING"}}},
        },
    ]
    return {**gemini_body(), "tools": [{"functionDeclarations": declarations}], **extra}


def test_gemini_function_call(fake: FakeUpstreamProcess) -> None:
    response = httpx.post(fake.url + GEMINI_PATH + ":generateContent", json=gemini_tool_body())
    candidate = response.json()["candidates"][0]
    assert candidate["content"]["parts"] == [
        {"functionCall": {"name": "get_weather", "args": WEATHER_ARGS}}
    ]
    assert candidate["finishReason"] == "STOP"
    usage = response.json()["usageMetadata"]
    assert usage["candidatesTokenCount"] == tool_tokens("get_weather", WEATHER_ARGS)


def test_gemini_function_call_config(fake: FakeUpstreamProcess) -> None:
    url = fake.url + GEMINI_PATH + ":generateContent"
    config = {"functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": ["get_time"]}}
    forced = httpx.post(url, json=gemini_tool_body(toolConfig=config)).json()
    part = forced["candidates"][0]["content"]["parts"][0]
    assert part == {"functionCall": {"name": "get_time", "args": {"zone": "echo"}}}
    off = {"functionCallingConfig": {"mode": "NONE"}}
    text = httpx.post(url, json=gemini_tool_body(toolConfig=off)).json()
    assert text["candidates"][0]["content"]["parts"] == [{"text": REPLY}]


def test_gemini_function_call_stream(fake: FakeUpstreamProcess) -> None:
    url = fake.url + GEMINI_PATH + ":streamGenerateContent?alt=sse"
    response = httpx.post(url, json=gemini_tool_body())
    (chunk,) = [json.loads(d) for d in sse_lines(response.text, "data", "\r\n\r\n")]
    assert chunk["candidates"][0]["content"]["parts"][0]["functionCall"]["args"] == WEATHER_ARGS
    assert chunk["candidates"][0]["finishReason"] == "STOP"


def test_gemini_function_response_is_answered(fake: FakeUpstreamProcess) -> None:
    contents = [
        {"role": "user", "parts": [{"text": "weather?"}]},
        {"role": "model", "parts": [{"functionCall": {"name": "get_weather", "args": {}}}]},
        {
            "role": "user",
            "parts": [
                {"functionResponse": {"name": "get_weather", "response": {"output": "sunny"}}},
                {"functionResponse": {"name": "get_time", "response": {"hour": 9}}},
            ],
        },
    ]
    body = gemini_tool_body(contents=contents)
    response = httpx.post(fake.url + GEMINI_PATH + ":generateContent", json=body)
    parts = response.json()["candidates"][0]["content"]["parts"]
    assert parts == [{"text": 'echo: sunny {"hour": 9}'}]


def test_gemini_embeddings(fake: FakeUpstreamProcess) -> None:
    requests = [
        {"model": "models/e", "content": {"parts": [{"text": "first"}]}},
        {
            "model": "models/e",
            "content": {"parts": [{"text": "second"}]},
            "outputDimensionality": 3,
        },
    ]
    url = fake.url + "/google/v1beta/models/e"
    batch = httpx.post(url + ":batchEmbedContents", json={"requests": requests}).json()
    assert batch == {
        "embeddings": [
            {"values": embedding_vector("first")},
            {"values": embedding_vector("second")[:3]},
        ]
    }
    single = httpx.post(url + ":embedContent", json=requests[0]).json()
    assert single == {"embedding": {"values": embedding_vector("first")}}
    bad = httpx.post(url + ":batchEmbedContents", json={"requests": []})
    assert bad.status_code == 400
    assert bad.json()["error"]["status"] == "INVALID_ARGUMENT"


# --------------------------------------------------------------------------- controls


def test_openai_error_status(oai: openai.OpenAI) -> None:
    with pytest.raises(openai.RateLimitError) as caught:
        oai.chat.completions.create(
            model="m", messages=chat_messages(), extra_headers={"x-fake-status": "429"}
        )
    assert caught.value.status_code == 429
    assert isinstance(caught.value.body, dict)
    assert caught.value.body["code"] == "rate_limit_exceeded"
    assert caught.value.body["param"] is None


def test_anthropic_error_status(claude: anthropic.Anthropic) -> None:
    with pytest.raises(anthropic.APIStatusError) as caught:
        claude.messages.create(
            model="m",
            max_tokens=5,
            messages=anthropic_messages(),
            extra_headers={"x-fake-status": "529"},
        )
    assert caught.value.status_code == 529
    assert caught.value.body == {
        "type": "error",
        "error": {"type": "overloaded_error", "message": "fake upstream error 529"},
    }


def test_gemini_error_status(fake: FakeUpstreamProcess) -> None:
    response = httpx.post(
        fake.url + GEMINI_PATH + ":generateContent",
        json=gemini_body(),
        headers={"x-fake-status": "503"},
    )
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/json"
    assert response.json()["error"]["code"] == 503
    assert response.json()["error"]["status"] == "UNAVAILABLE"


def test_delay(oai: openai.OpenAI) -> None:
    started = time.monotonic()
    oai.chat.completions.create(
        model="m", messages=chat_messages(), extra_headers={"x-fake-delay-ms": "300"}
    )
    assert time.monotonic() - started >= 0.3


def test_concurrent_requests_are_served_in_parallel(fake: FakeUpstreamProcess) -> None:
    def call(index: int) -> str:
        body = {"model": "m", "messages": [{"role": "user", "content": f"n{index}"}]}
        headers = {"x-fake-delay-ms": "500"}
        response = httpx.post(fake.url + "/v1/chat/completions", json=body, headers=headers)
        return response.json()["choices"][0]["message"]["content"]

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=8) as pool:
        replies = list(pool.map(call, range(8)))
    assert replies == [f"echo: n{i}" for i in range(8)]
    assert time.monotonic() - started < 2.5


NO_USAGE = {"x-fake-no-usage": "1"}


def test_no_usage_openai(oai: openai.OpenAI) -> None:
    completion = oai.chat.completions.create(
        model="m", messages=chat_messages(), extra_headers=NO_USAGE
    )
    assert completion.choices[0].message.content == REPLY
    assert completion.usage is None
    chunks = list(
        oai.chat.completions.create(
            model="m",
            messages=chat_messages(),
            stream=True,
            stream_options={"include_usage": True},
            extra_headers=NO_USAGE,
        )
    )
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == REPLY
    assert all(c.usage is None for c in chunks)
    response = oai.responses.create(model="m", input=USER, extra_headers=NO_USAGE)
    assert response.output_text == REPLY
    assert response.usage is None


@pytest.mark.parametrize("stream", [False, True])
def test_no_usage_anthropic(fake: FakeUpstreamProcess, stream: bool) -> None:
    body = {"model": "m", "max_tokens": 5, "messages": anthropic_messages(), "stream": stream}
    response = httpx.post(fake.url + "/anthropic/v1/messages", json=body, headers=NO_USAGE)
    assert response.status_code == 200
    assert "there" in response.text
    assert "usage" not in response.text


def test_no_usage_gemini(fake: FakeUpstreamProcess) -> None:
    url = fake.url + GEMINI_PATH + ":streamGenerateContent?alt=sse"
    response = httpx.post(url, json=gemini_body(), headers=NO_USAGE)
    assert "there" in response.text
    assert "usageMetadata" not in response.text


def test_raw_body(fake: FakeUpstreamProcess) -> None:
    headers = {"x-fake-raw": "<html>not json</html>"}
    response = httpx.post(fake.url + "/openai/v1/chat/completions", json={}, headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert response.text == "<html>not json</html>"
    headers["x-fake-status"] = "502"
    assert httpx.post(fake.url + "/v1/messages", json={}, headers=headers).status_code == 502


def test_non_json_body_is_a_400(fake: FakeUpstreamProcess) -> None:
    response = httpx.post(fake.url + "/openai/v1/chat/completions", content=b"\xffnot json")
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "invalid_request_error"


def test_unknown_route_is_a_404(fake: FakeUpstreamProcess) -> None:
    response = httpx.get(fake.url + "/openai/v1/nope")
    assert response.status_code == 404
    assert set(response.json()["error"]) == {"message", "type", "param", "code"}


# --------------------------------------------------------------------------- journal / process


def test_journal_records_requests(oai: openai.OpenAI, fake: FakeUpstreamProcess) -> None:
    fake.clear()
    assert fake.requests() == []
    oai.chat.completions.create(model="gpt-4o", messages=chat_messages())
    httpx.post(fake.url + GEMINI_PATH + ":generateContent?key=g-key", json=gemini_body())
    first, second = fake.requests()
    assert first["method"] == "POST"
    assert first["path"] == "/openai/v1/chat/completions"
    assert first["headers"]["authorization"] == "Bearer sk-test"
    assert json.loads(first["body"]) == {"model": "gpt-4o", "messages": chat_messages()}
    assert second["path"] == GEMINI_PATH + ":generateContent?key=g-key"
    fake.clear()
    assert fake.requests() == []


def test_stop_exits_cleanly() -> None:
    process = FakeUpstreamProcess().start()
    assert httpx.get(process.url + "/_fake/requests").json() == []
    assert process.stop() == 0
    assert process.stop() is None


def test_start_failure_reports_stderr(fake: FakeUpstreamProcess) -> None:
    port = int(fake.url.rsplit(":", 1)[1])
    with pytest.raises(RuntimeError, match="Address already in use"):
        FakeUpstreamProcess(port=port).start()


def test_fail_times_fails_the_first_requests_of_a_key(fake: FakeUpstreamProcess) -> None:
    url = fake.url + "/openai/v1/chat/completions"
    body = {"model": "m", "messages": chat_messages()}
    flaky = {"x-fake-fail-times": "2", "x-fake-key": "flaky-1", "x-fake-fail-status": "429"}
    statuses = [httpx.post(url, json=body, headers=flaky).status_code for _ in range(3)]
    assert statuses == [429, 429, 200]
    other = {**flaky, "x-fake-key": "flaky-2", "x-fake-fail-status": "503"}
    assert httpx.post(url, json=body, headers=other).status_code == 503
    default = {"x-fake-fail-times": "1", "x-fake-key": "flaky-3"}
    assert httpx.post(url, json=body, headers=default).status_code == 500
    assert httpx.post(url, json=body, headers=default).status_code == 200
