"""The unified API over real HTTP: the official OpenAI SDK, pointed at `.../compat`, talks to
the fake Anthropic and Gemini upstreams through the running gateway."""

from __future__ import annotations

import json

import cloudflare
import openai
import pytest

from tests.fakes.upstream import FakeUpstreamProcess, count_tokens, prompt_text
from tests.support.gateway import Gateway

pytestmark = pytest.mark.e2e

CLIENT_KEY = "sk-ant-e2e-compat-key"
CLAUDE = "anthropic/claude-3-5-haiku-20241022"
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather of a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}


@pytest.fixture(scope="module")
def oai(gateway: Gateway) -> openai.OpenAI:
    return openai.OpenAI(base_url=gateway.base("compat"), api_key=CLIENT_KEY, max_retries=0)


def _log(cf: cloudflare.Cloudflare, gateway: Gateway, log_id: str):  # type: ignore[no-untyped-def]
    return cf.ai_gateway.logs.get(log_id, account_id=gateway.account, gateway_id=gateway.gateway)


def test_chat_through_anthropic(
    oai: openai.OpenAI,
    cf: cloudflare.Cloudflare,
    gateway: Gateway,
    fake_upstream: FakeUpstreamProcess,
) -> None:
    messages = [
        {"role": "system", "content": "be brief"},
        {"role": "user", "content": "hello compat gateway"},
    ]
    raw = oai.chat.completions.with_raw_response.create(model=CLAUDE, messages=messages)
    completion = raw.parse()
    assert completion.object == "chat.completion"
    assert completion.choices[0].message.content == "echo: hello compat gateway"
    assert completion.choices[0].finish_reason == "stop"
    tokens_in = count_tokens(prompt_text("be brief", "hello compat gateway"))
    tokens_out = count_tokens("echo: hello compat gateway")
    assert completion.usage is not None
    assert (completion.usage.prompt_tokens, completion.usage.completion_tokens) == (
        tokens_in,
        tokens_out,
    )

    sent = fake_upstream.requests()[-1]
    assert sent["path"].endswith("/anthropic/v1/messages")
    assert sent["headers"]["x-api-key"] == CLIENT_KEY
    native = json.loads(sent["body"])
    assert native["system"] == "be brief" and native["model"] == "claude-3-5-haiku-20241022"

    log = _log(cf, gateway, raw.headers["aig-log-id"])
    assert (log.provider, log.model) == ("anthropic", "claude-3-5-haiku-20241022")
    assert (log.tokens_in, log.tokens_out) == (tokens_in, tokens_out)
    assert log.success and log.cost is not None and log.cost > 0


def test_stream_is_translated_chunk_by_chunk(
    oai: openai.OpenAI, cf: cloudflare.Cloudflare, gateway: Gateway
) -> None:
    stream = oai.chat.completions.with_raw_response.create(
        model=CLAUDE,
        messages=[{"role": "user", "content": "stream these words please"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream.parse())
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "echo: stream these words please"
    assert len([c for c in chunks if c.choices and c.choices[0].delta.content]) > 1
    finish = [
        c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason
    ]
    assert finish == ["stop"]
    usage = chunks[-1].usage
    assert usage is not None and usage.completion_tokens == count_tokens(text)

    log = _log(cf, gateway, stream.headers["aig-log-id"])
    assert log.provider == "anthropic" and log.tokens_out == count_tokens(text)
    assert log.tokens_in == count_tokens("stream these words please")


@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
def test_tool_call_round_trip(oai: openai.OpenAI, stream: bool) -> None:
    messages: list[dict[str, object]] = [{"role": "user", "content": "weather in Paris?"}]
    if stream:
        chunks = list(
            oai.chat.completions.create(
                model=CLAUDE, messages=messages, tools=[WEATHER_TOOL], stream=True
            )
        )
        calls = [
            call
            for chunk in chunks
            if chunk.choices
            for call in chunk.choices[0].delta.tool_calls or []
        ]
        call_id = next(c.id for c in calls if c.id)
        name = next(c.function.name for c in calls if c.function and c.function.name)
        arguments = "".join(c.function.arguments or "" for c in calls if c.function)
        finish = [c.choices[0].finish_reason for c in chunks if c.choices]
        assert "tool_calls" in finish
    else:
        completion = oai.chat.completions.create(
            model=CLAUDE, messages=messages, tools=[WEATHER_TOOL]
        )
        choice = completion.choices[0]
        assert choice.finish_reason == "tool_calls" and choice.message.tool_calls
        tool_call = choice.message.tool_calls[0]
        call_id, name = tool_call.id, tool_call.function.name
        arguments = tool_call.function.arguments
    assert name == "get_weather" and json.loads(arguments) == {"city": "echo"}

    messages += [
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": call_id,
                    "type": "function",
                    "function": {"name": name, "arguments": arguments},
                }
            ],
        },
        {"role": "tool", "tool_call_id": call_id, "content": "sunny and warm"},
    ]
    answer = oai.chat.completions.create(model=CLAUDE, messages=messages, tools=[WEATHER_TOOL])
    assert answer.choices[0].message.content == "echo: sunny and warm"
    assert answer.choices[0].finish_reason == "stop"


def test_chat_through_gemini(oai: openai.OpenAI) -> None:
    completion = oai.chat.completions.create(
        model="google-ai-studio/gemini-2.0-flash",
        messages=[{"role": "user", "content": "hello gemini"}],
    )
    assert completion.choices[0].message.content == "echo: hello gemini"
    assert completion.usage is not None and completion.usage.prompt_tokens == 2


def test_embeddings_through_gemini(oai: openai.OpenAI) -> None:
    result = oai.embeddings.create(
        model="google-ai-studio/text-embedding-004", input=["one", "two"], encoding_format="float"
    )
    assert [item.index for item in result.data] == [0, 1]
    assert all(len(item.embedding) == 8 for item in result.data)


def test_bad_model_is_a_400(oai: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError, match="provider"):
        oai.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}]
        )
