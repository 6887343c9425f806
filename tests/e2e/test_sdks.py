"""The official SDKs against the running gateway: OpenAI and Anthropic through the proxy,
Cloudflare to read back what was logged. Every check compares with what was sent."""

from __future__ import annotations

import json
from decimal import Decimal

import anthropic
import cloudflare
import openai
import pytest
from genai_prices import Usage as PriceUsage
from genai_prices import calc_price

from tests.fakes.upstream import FakeUpstreamProcess, count_tokens, prompt_text
from tests.support.gateway import Gateway

pytestmark = pytest.mark.e2e

CLIENT_KEY = "sk-e2e-client-key-never-stored"


@pytest.fixture(scope="module")
def oai(gateway: Gateway) -> openai.OpenAI:
    return openai.OpenAI(base_url=gateway.base("openai"), api_key=CLIENT_KEY, max_retries=0)


@pytest.fixture(scope="module")
def claude(gateway: Gateway) -> anthropic.Anthropic:
    return anthropic.Anthropic(
        base_url=gateway.base("anthropic"), api_key=CLIENT_KEY, max_retries=0
    )


def _log(cf: cloudflare.Cloudflare, gateway: Gateway, log_id: str):  # type: ignore[no-untyped-def]
    return cf.ai_gateway.logs.get(log_id, account_id=gateway.account, gateway_id=gateway.gateway)


def _price(provider: str, model: str, tokens_in: int, tokens_out: int) -> float:
    usage = PriceUsage(input_tokens=tokens_in, output_tokens=tokens_out)
    return float(calc_price(usage, model, provider_id=provider).total_price)


def test_openai_chat_is_proxied_and_logged(
    oai: openai.OpenAI,
    cf: cloudflare.Cloudflare,
    gateway: Gateway,
    fake_upstream: FakeUpstreamProcess,
) -> None:
    messages = [
        {"role": "system", "content": "be brief"},
        {"role": "user", "content": "hello there gateway"},
    ]
    raw = oai.chat.completions.with_raw_response.create(model="gpt-4o-mini", messages=messages)
    completion = raw.parse()
    assert completion.choices[0].message.content == "echo: hello there gateway"
    tokens_in = count_tokens(prompt_text("be brief", "hello there gateway"))
    tokens_out = count_tokens("echo: hello there gateway")
    assert completion.usage is not None and completion.usage.prompt_tokens == tokens_in

    log = _log(cf, gateway, raw.headers["aig-log-id"])
    assert (log.provider, log.model, log.path) == ("openai", "gpt-4o-mini", "chat/completions")
    assert (log.tokens_in, log.tokens_out) == (tokens_in, tokens_out)
    assert log.cost == pytest.approx(_price("openai", "gpt-4o-mini", tokens_in, tokens_out))
    assert log.success and log.status_code == 200 and log.duration >= 0
    assert log.ai_model_type == "chat"

    request = cf.ai_gateway.logs.request(
        log.id, account_id=gateway.account, gateway_id=gateway.gateway
    )
    assert request == {"model": "gpt-4o-mini", "messages": messages}
    response = cf.ai_gateway.logs.response(
        log.id, account_id=gateway.account, gateway_id=gateway.gateway
    )
    assert response == json.loads(raw.content)
    upstream_seen = fake_upstream.requests()[-1]
    assert upstream_seen["headers"]["authorization"] == f"Bearer {CLIENT_KEY}"


def test_openai_stream_usage_from_final_chunk(
    oai: openai.OpenAI, cf: cloudflare.Cloudflare, gateway: Gateway
) -> None:
    with oai.chat.completions.with_streaming_response.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "stream these four words"}],
        stream=True,
        stream_options={"include_usage": True},
    ) as raw:
        log_id = raw.headers["aig-log-id"]
        chunks = list(raw.parse())
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "echo: stream these four words"
    assert chunks[-1].usage is not None

    log = _log(cf, gateway, log_id)
    assert log.tokens_in == count_tokens("stream these four words")
    assert log.tokens_out == count_tokens(text)
    assert log.response_content_type is not None
    assert log.response_content_type.startswith("text/event-stream")
    body = cf.ai_gateway.logs.response(log_id, account_id=gateway.account, gateway_id="default")
    assert "data: [DONE]" in str(body)


def test_openai_stream_without_usage_logs_unknown_not_zero(
    oai: openai.OpenAI, cf: cloudflare.Cloudflare, gateway: Gateway
) -> None:
    with oai.chat.completions.with_streaming_response.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "no usage"}], stream=True
    ) as raw:
        log_id = raw.headers["aig-log-id"]
        list(raw.parse())
    log = _log(cf, gateway, log_id)
    assert log.tokens_in is None and log.tokens_out is None and log.cost is None


def test_openai_embeddings(oai: openai.OpenAI, cf: cloudflare.Cloudflare, gateway: Gateway) -> None:
    raw = oai.embeddings.with_raw_response.create(
        model="text-embedding-3-small", input=["one two", "three"]
    )
    result = raw.parse()
    assert len(result.data) == 2 and len(result.data[0].embedding) == 8
    log = _log(cf, gateway, raw.headers["aig-log-id"])
    assert log.ai_model_type == "embedding"
    assert log.tokens_in == count_tokens("one two three") and log.tokens_out == 0
    assert log.cost == pytest.approx(_price("openai", "text-embedding-3-small", 3, 0))


def test_anthropic_messages(
    claude: anthropic.Anthropic, cf: cloudflare.Cloudflare, gateway: Gateway
) -> None:
    raw = claude.messages.with_raw_response.create(
        model="claude-sonnet-4-20250514",
        max_tokens=64,
        messages=[{"role": "user", "content": "hi claude"}],
    )
    message = raw.parse()
    assert message.content[0].text == "echo: hi claude"  # type: ignore[union-attr]
    log = _log(cf, gateway, raw.headers["aig-log-id"])
    assert (log.provider, log.path) == ("anthropic", "v1/messages")
    assert (log.tokens_in, log.tokens_out) == (message.usage.input_tokens, 3)
    assert log.cost == pytest.approx(
        _price("anthropic", "claude-sonnet-4-20250514", message.usage.input_tokens, 3)
    )


def test_anthropic_stream(
    claude: anthropic.Anthropic, cf: cloudflare.Cloudflare, gateway: Gateway
) -> None:
    with claude.messages.stream(
        model="claude-sonnet-4-20250514",
        max_tokens=64,
        messages=[{"role": "user", "content": "stream to me please"}],
    ) as stream:
        log_id = stream.response.headers["aig-log-id"]
        final = stream.get_final_message()
    assert final.content[0].text == "echo: stream to me please"  # type: ignore[union-attr]
    log = _log(cf, gateway, log_id)
    assert log.tokens_in == count_tokens("stream to me please")
    assert log.tokens_out == final.usage.output_tokens == count_tokens("echo: stream to me please")
    assert log.cost is not None and log.cost > 0


def test_logs_list_newest_first(
    oai: openai.OpenAI, cf: cloudflare.Cloudflare, gateway: Gateway
) -> None:
    ids = []
    for word in ("alpha", "beta", "gamma"):
        raw = oai.chat.completions.with_raw_response.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": word}]
        )
        ids.append(raw.headers["aig-log-id"])
    page = cf.ai_gateway.logs.list(
        gateway_id=gateway.gateway, account_id=gateway.account, per_page=3
    )
    assert [log.id for log in page.result] == ids[::-1]


def test_upstream_error_passes_through_and_is_logged(
    oai: openai.OpenAI, cf: cloudflare.Cloudflare, gateway: Gateway
) -> None:
    with pytest.raises(openai.RateLimitError) as caught:
        oai.chat.completions.create(
            model="gpt-4o-mini",
            messages=[{"role": "user", "content": "x"}],
            extra_headers={"x-fake-status": "429"},
        )
    assert caught.value.status_code == 429
    log = _log(cf, gateway, caught.value.response.headers["aig-log-id"])
    assert not log.success and log.status_code == 429


def test_google_generate_content_through_the_gateway(
    gateway: Gateway, cf: cloudflare.Cloudflare
) -> None:
    import httpx

    response = httpx.post(
        gateway.base("google-ai-studio") + "/v1beta/models/gemini-2.0-flash:generateContent",
        params={"key": CLIENT_KEY},
        json={"contents": [{"role": "user", "parts": [{"text": "hola mundo"}]}]},
    )
    assert response.status_code == 200
    text = response.json()["candidates"][0]["content"]["parts"][0]["text"]
    assert text == "echo: hola mundo"
    log = _log(cf, gateway, response.headers["aig-log-id"])
    assert log.model == "gemini-2.0-flash" and log.tokens_in == 2
    assert CLIENT_KEY not in log.path
    assert Decimal(str(log.cost)) > 0
