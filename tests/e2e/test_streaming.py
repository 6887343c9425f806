"""Streaming through `make run` (gunicorn serving the data plane) with the official SDKs.

The fake upstream pauses a stream at a gate (`x-fake-gate`) until the test opens it, so each
test asserts the ORDER of things, never a duration: the client holds the first chunk while
the provider is still paused mid-answer, and only then is the rest released. Logs go through
the queue and the local poller (make run's defaults), so they are read back by polling.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import anthropic
import cloudflare
import httpx
import openai
import pytest

from chalicelib.logstore.bodies import MAX_BODY_BYTES
from tests.fakes.upstream import STREAM_PIECE, FakeUpstreamProcess, count_tokens, split_words
from tests.support.gateway import Gateway, running_gateway

pytestmark = pytest.mark.e2e

CLIENT_KEY = "sk-e2e-streaming-client"
MODEL = "gpt-4o-mini"
CLAUDE = "claude-3-5-haiku-20241022"
CLIENT_GONE = "client disconnected"
LARGE_BYTES = 100 * 1024 * 1024
"""The large streamed body (about a second through the gateway, on 2 cores)."""
LOG_WAIT_S = 15.0

T = TypeVar("T")


@pytest.fixture(scope="module")
def stack(fake_upstream: FakeUpstreamProcess) -> Iterator[Gateway]:
    """`make run` with its own defaults: logs through the queue and the poller thread."""
    with running_gateway(fake_upstream, {}) as running:
        yield running


@pytest.fixture(scope="module")
def cf(stack: Gateway) -> Iterator[cloudflare.Cloudflare]:
    with cloudflare.Cloudflare(api_token=stack.token, base_url=stack.url, max_retries=0) as client:
        yield client


@pytest.fixture(scope="module")
def oai(stack: Gateway) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=stack.base("openai"), api_key=CLIENT_KEY, max_retries=0) as client:
        yield client


def _gate(after: int, **headers: str) -> tuple[str, dict[str, str]]:
    """A fresh gate name and the headers that pause the fake's stream after `after` events."""
    name = uuid.uuid4().hex
    return name, {"x-fake-gate": name, "x-fake-gate-after": str(after), **headers}


def _eventually(probe: Callable[[], T | None], what: str, timeout: float = LOG_WAIT_S) -> T:
    """`probe()` once it returns something other than None (polled)."""
    deadline = time.monotonic() + timeout
    while True:
        result = probe()
        if result is not None:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not within {timeout} s")
        time.sleep(0.05)


def _assert_paused(fake: FakeUpstreamProcess, gate: str) -> None:
    """The fake's stream is paused at `gate`, which was never opened (the fake marks itself
    waiting just after writing its last event before the gate: polled)."""

    def probe() -> dict[str, Any] | None:
        state = fake.gate(gate)
        return state if state["waiting"] else None

    state = _eventually(probe, f"the stream to reach gate {gate}")
    assert not state["released"] and state["outcome"] is None, state


def _log(cf: cloudflare.Cloudflare, gateway: Gateway, log_id: str) -> Any:
    """The log `log_id`, once the poller stored it."""

    def probe() -> Any:
        try:
            return cf.ai_gateway.logs.get(
                log_id, account_id=gateway.account, gateway_id=gateway.gateway
            )
        except cloudflare.NotFoundError:
            return None

    return _eventually(probe, f"log {log_id}")


def _logs_of_event(cf: cloudflare.Cloudflare, gateway: Gateway, event_id: str) -> list[Any]:
    page = cf.ai_gateway.logs.list(
        account_id=gateway.account,
        gateway_id=gateway.gateway,
        filters=[{"key": "event_id", "operator": "eq", "value": [event_id]}],
    )
    return list(page.result)


def _extra(log: Any, name: str) -> Any:
    """A log field the Cloudflare SDK has no attribute for."""
    assert log.model_extra is not None
    return log.model_extra.get(name)


def _until_hit(send: Callable[[], tuple[httpx.Headers, T]]) -> tuple[httpx.Headers, T]:
    """`send()`'s (headers, answer) once it is a cache hit: a streamed answer is cached when
    its relay ends, just after the client read its last chunk, so a request sent at once
    may still miss."""

    def probe() -> tuple[httpx.Headers, T] | None:
        headers, answer = send()
        return (headers, answer) if headers["aig-cache-status"] == "HIT" else None

    return _eventually(probe, "a cache hit")


def _chat_body(text: str) -> dict[str, Any]:
    """A streamed chat completion request with the usage chunk."""
    return {
        "model": MODEL,
        "messages": [{"role": "user", "content": text}],
        "stream": True,
        "stream_options": {"include_usage": True},
    }


# --------------------------------------------------------------------------- the SDKs


def test_openai_first_delta_arrives_while_the_provider_is_paused(
    oai: openai.OpenAI,
    cf: cloudflare.Cloudflare,
    stack: Gateway,
    fake_upstream: FakeUpstreamProcess,
) -> None:
    text = "stream while paused please"
    reply = "echo: " + text
    gate, headers = _gate(after=2)  # the role chunk and the first word, then the pause
    with oai.chat.completions.with_streaming_response.create(
        model=MODEL,
        messages=[{"role": "user", "content": text}],
        stream=True,
        stream_options={"include_usage": True},
        extra_headers=headers,
    ) as raw:
        assert "content-length" not in raw.headers
        assert "aig-log-status" not in raw.headers  # the log comes when the body ends
        log_id = raw.headers["aig-log-id"]
        chunks = iter(raw.parse())
        first = next(chunks)
        second = next(chunks)
        _assert_paused(fake_upstream, gate)
        assert first.choices[0].delta.role == "assistant"
        assert second.choices[0].delta.content == split_words(reply)[0]
        fake_upstream.release(gate)
        rest = list(chunks)
    assert fake_upstream.gate(gate)["outcome"] == "completed"
    received = [first, second, *rest]
    assert "".join(c.choices[0].delta.content or "" for c in received if c.choices) == reply
    usage = received[-1].usage
    assert usage is not None and received[-1].choices == []
    assert usage.completion_tokens == count_tokens(reply)

    log = _log(cf, stack, log_id)
    assert (log.tokens_in, log.tokens_out) == (usage.prompt_tokens, usage.completion_tokens)
    assert log.success and log.status_code == 200 and log.cost is not None
    assert _extra(log, "time_to_first_token") is not None
    assert _extra(log, "error") is None and _extra(log, "body_truncated") is False
    body = cf.ai_gateway.logs.response(log_id, account_id=stack.account, gateway_id=stack.gateway)
    assert log.response_size == len(str(body).encode())
    assert str(body).endswith("data: [DONE]\n\n")


def test_anthropic_first_text_arrives_while_the_provider_is_paused(
    stack: Gateway, cf: cloudflare.Cloudflare, fake_upstream: FakeUpstreamProcess
) -> None:
    claude = anthropic.Anthropic(base_url=stack.base("anthropic"), api_key=CLIENT_KEY)
    text = "claude stream while paused"
    reply = "echo: " + text
    # message_start, content_block_start, ping and the first text delta; then the pause
    gate, headers = _gate(after=4)
    with claude.messages.stream(
        model=CLAUDE,
        max_tokens=64,
        messages=[{"role": "user", "content": text}],
        extra_headers=headers,
    ) as stream:
        log_id = stream.response.headers["aig-log-id"]
        texts = stream.text_stream
        first = next(texts)
        _assert_paused(fake_upstream, gate)
        assert first == split_words(reply)[0]
        fake_upstream.release(gate)
        rest = "".join(texts)
        message = stream.get_final_message()
    assert first + rest == reply
    assert message.usage.input_tokens == count_tokens(text)
    assert message.usage.output_tokens == count_tokens(reply)

    log = _log(cf, stack, log_id)
    assert (log.provider, log.model, log.path) == ("anthropic", CLAUDE, "v1/messages")
    assert (log.tokens_in, log.tokens_out) == (count_tokens(text), count_tokens(reply))
    assert log.response_content_type.startswith("text/event-stream")
    assert _extra(log, "time_to_first_token") is not None
    assert _extra(log, "error") is None


def test_compat_stream_is_translated_as_the_provider_sends_it(
    stack: Gateway, cf: cloudflare.Cloudflare, fake_upstream: FakeUpstreamProcess
) -> None:
    compat = openai.OpenAI(base_url=stack.base("compat"), api_key=CLIENT_KEY, max_retries=0)
    text = "compat stream while paused"
    reply = "echo: " + text
    gate, headers = _gate(after=4)  # Anthropic's events up to the first text delta
    with compat.chat.completions.with_streaming_response.create(
        model="anthropic/" + CLAUDE,
        messages=[{"role": "user", "content": text}],
        stream=True,
        stream_options={"include_usage": True},
        extra_headers=headers,
    ) as raw:
        log_id = raw.headers["aig-log-id"]
        chunks = iter(raw.parse())
        before: list[openai.types.chat.ChatCompletionChunk] = []
        while not any(c.choices and c.choices[0].delta.content for c in before):
            before.append(next(chunks))
        _assert_paused(fake_upstream, gate)
        fake_upstream.release(gate)
        after = list(chunks)
    received = before + after
    assert all(c.object == "chat.completion.chunk" for c in received)
    assert before[-1].choices[0].delta.content == split_words(reply)[0]
    assert "".join(c.choices[0].delta.content or "" for c in received if c.choices) == reply
    finish = [c.choices[0].finish_reason for c in received if c.choices]
    assert finish[-1] == "stop" and set(finish[:-1]) == {None}
    usage = received[-1].usage
    assert usage is not None and usage.completion_tokens == count_tokens(reply)

    log = _log(cf, stack, log_id)
    assert (log.provider, log.model) == ("anthropic", CLAUDE)
    assert (log.tokens_in, log.tokens_out) == (count_tokens(text), count_tokens(reply))


# --------------------------------------------------------------------------- disconnects


def test_a_client_gone_mid_stream_is_logged_once_and_not_cached(
    stack: Gateway, cf: cloudflare.Cloudflare, fake_upstream: FakeUpstreamProcess
) -> None:
    event_id = f"gone-{uuid.uuid4().hex}"
    body = _chat_body(f"leave early {event_id}")
    # paced after the gate: the rest reaches the gateway in several writes, the second of
    # which meets the closed connection
    gate, headers = _gate(after=2, **{"x-fake-pace-ms": "20", "cf-aig-cache-ttl": "300"})
    url = stack.base("openai") + "/chat/completions"
    auth = {"authorization": f"Bearer {CLIENT_KEY}"}
    with (
        httpx.Client(timeout=10) as client,
        client.stream(
            "POST", url, json=body, headers={**auth, **headers, "aig-event-id": event_id}
        ) as response,
    ):
        assert response.headers["aig-cache-status"] == "MISS"
        log_id = response.headers["aig-log-id"]
        assert next(response.iter_bytes())
        _assert_paused(fake_upstream, gate)
    # the connection is closed (the client left); only now does the provider go on
    fake_upstream.release(gate)

    log = _log(cf, stack, log_id)
    assert CLIENT_GONE in _extra(log, "error")
    assert log.status_code == 200
    _eventually(lambda: fake_upstream.gate(gate)["outcome"], "the upstream stream to end")

    # a later answer's log is in, so the relay's one log had all the time it needed
    later = httpx.post(url, json=_chat_body("later"), headers=auth, timeout=10)
    _log(cf, stack, later.headers["aig-log-id"])
    assert [entry.id for entry in _logs_of_event(cf, stack, event_id)] == [log_id]

    # the same request again is a miss (nothing was cached); relayed whole, it is cached
    again = httpx.post(url, json=body, headers={**auth, **headers}, timeout=10)
    assert again.headers["aig-cache-status"] == "MISS"

    def send() -> tuple[httpx.Headers, bytes]:
        answer = httpx.post(url, json=body, headers={**auth, **headers}, timeout=10)
        return answer.headers, answer.content

    _, hit = _until_hit(send)
    assert hit == again.content


def test_a_client_gone_while_the_provider_is_silent_is_logged_as_gone(
    stack: Gateway, cf: cloudflare.Cloudflare, fake_upstream: FakeUpstreamProcess
) -> None:
    # 1 MiB still to come after the gate: many writes, so the fake notices a closed peer
    gate, headers = _gate(after=1, **{"x-fake-stream-bytes": str(1024 * 1024)})
    url = stack.base("openai") + "/chat/completions"
    auth = {"authorization": f"Bearer {CLIENT_KEY}"}
    try:
        with httpx.stream(
            "POST", url, json=_chat_body("leave while silent"), headers={**auth, **headers}
        ) as response:
            log_id = response.headers["aig-log-id"]
            assert next(response.iter_bytes())
            _assert_paused(fake_upstream, gate)
        # the client is gone; the provider stays silent until the log is in
        log = _log(cf, stack, log_id)
        assert fake_upstream.gate(gate)["waiting"]
    finally:
        fake_upstream.release(gate)
    assert CLIENT_GONE in (_extra(log, "error") or "")
    # the gateway dropped its request to the provider: the rest finds no reader
    outcome = _eventually(lambda: fake_upstream.gate(gate)["outcome"], "the fake to stop")
    assert outcome == "client_gone"


def test_a_provider_breaking_off_mid_stream_cuts_the_answer_and_is_not_cached(
    stack: Gateway, cf: cloudflare.Cloudflare, fake_upstream: FakeUpstreamProcess
) -> None:
    # the gate stays shut: after 200 ms the fake drops the connection mid-body
    gate, headers = _gate(after=2, **{"x-fake-gate-timeout-ms": "200", "cf-aig-cache-ttl": "300"})
    body = _chat_body(f"broken off {gate}")
    url = stack.base("openai") + "/chat/completions"
    headers["authorization"] = f"Bearer {CLIENT_KEY}"
    received = b""
    with httpx.stream("POST", url, json=body, headers=headers, timeout=10) as response:
        log_id = response.headers["aig-log-id"]
        with pytest.raises(httpx.RemoteProtocolError, match="incomplete chunked read"):
            for chunk in response.iter_bytes():
                received += chunk
    assert fake_upstream.gate(gate)["outcome"] == "timed_out"
    assert received.startswith(b"data: {") and b"[DONE]" not in received

    log = _log(cf, stack, log_id)
    assert "broke off" in _extra(log, "error")
    assert log.response_size == len(received)
    fake_upstream.release(gate)  # the same request now streams to its end
    again = httpx.post(url, json=body, headers=headers, timeout=10)
    assert again.headers["aig-cache-status"] == "MISS"
    assert again.text.endswith("data: [DONE]\n\n")


# --------------------------------------------------------------------------- cache


def test_a_cached_stream_replays_as_a_stream(
    oai: openai.OpenAI, stack: Gateway, cf: cloudflare.Cloudflare
) -> None:
    text = f"cache this stream {uuid.uuid4().hex[:8]}"
    headers = {"cf-aig-cache-ttl": "300"}

    def call() -> tuple[httpx.Headers, list[dict[str, Any]]]:
        with oai.chat.completions.with_streaming_response.create(
            model=MODEL,
            messages=[{"role": "user", "content": text}],
            stream=True,
            stream_options={"include_usage": True},
            extra_headers=headers,
        ) as raw:
            return raw.headers, [chunk.model_dump() for chunk in raw.parse()]

    miss_headers, miss = call()
    assert miss_headers["aig-cache-status"] == "MISS"
    hit_headers, hit = _until_hit(call)
    assert "content-length" not in hit_headers
    assert hit_headers["transfer-encoding"] == "chunked"
    assert hit == miss
    assert len(hit) == len(split_words("echo: " + text)) + 3  # role, words, finish, usage
    log = _log(cf, stack, hit_headers["aig-log-id"])
    assert log.cached and log.cost == 0


# --------------------------------------------------------------------------- size


def test_a_large_stream_arrives_whole_and_its_log_is_capped(
    stack: Gateway, cf: cloudflare.Cloudflare
) -> None:
    url = stack.base("openai") + "/chat/completions"
    headers = {
        "authorization": f"Bearer {CLIENT_KEY}",
        "x-fake-stream-bytes": str(LARGE_BYTES),
    }
    received, tail = 0, b""
    with httpx.stream(
        "POST", url, json=_chat_body("a large answer"), headers=headers, timeout=30
    ) as response:
        assert response.status_code == 200 and "content-length" not in response.headers
        log_id = response.headers["aig-log-id"]
        for chunk in response.iter_bytes():
            received += len(chunk)
            tail = (tail + chunk)[-4096:]
    assert received == LARGE_BYTES
    events = [e for e in tail.decode().split("\n\n") if e.startswith("data: {")]
    usage = json.loads(events[-1].removeprefix("data: "))["usage"]

    log = _log(cf, stack, log_id)
    assert log.response_size == LARGE_BYTES
    assert _extra(log, "body_truncated") is True
    assert _extra(log, "error") is None
    assert (log.tokens_in, log.tokens_out) == (usage["prompt_tokens"], usage["completion_tokens"])
    body = cf.ai_gateway.logs.response(log_id, account_id=stack.account, gateway_id=stack.gateway)
    assert 0 < len(str(body).encode()) <= MAX_BODY_BYTES


# --------------------------------------------------------------------------- the fake alone


def _sse_data(body: bytes) -> list[Any]:
    events = [event for event in body.decode().split("\n\n") if event]
    assert all(event.startswith("data: ") for event in events)
    return [json.loads(e[6:]) if e != "data: [DONE]" else "[DONE]" for e in events]


@pytest.mark.parametrize("size", [0, 3000, 3 * STREAM_PIECE + 7], ids=["tiny", "small", "large"])
def test_the_fake_streams_exactly_the_bytes_asked_for(
    fake_upstream: FakeUpstreamProcess, size: int
) -> None:
    url = fake_upstream.url + "/openai/v1/chat/completions"
    headers = {"x-fake-stream-bytes": str(size)}
    with httpx.stream("POST", url, json=_chat_body("sized"), headers=headers) as response:
        assert "content-length" not in response.headers
        assert response.headers["transfer-encoding"] == "chunked"
        body = response.read()
    data = _sse_data(body)
    assert data[-1] == "[DONE]" and data[-2]["choices"] == []
    pieces = [d["choices"][0]["delta"].get("content") for d in data[1:-3]]
    assert data[-2]["usage"]["completion_tokens"] == len(pieces)
    assert count_tokens("".join(pieces)) == max(len(pieces), 1)
    if size:
        assert len(body) == size
    else:  # the shortest stream: role, finish, usage, [DONE]
        assert pieces == [] and len(body) > size


def test_the_fake_paces_and_gates_only_when_asked(fake_upstream: FakeUpstreamProcess) -> None:
    url = fake_upstream.url + "/openai/v1/chat/completions"
    whole = httpx.post(url, json=_chat_body("not paced"))
    assert int(whole.headers["content-length"]) == len(whole.content)  # as before

    started = time.monotonic()
    paced = httpx.post(url, json=_chat_body("paced"), headers={"x-fake-pace-ms": "50"})
    events = len(_sse_data(paced.content))
    assert "content-length" not in paced.headers
    assert time.monotonic() - started >= (events - 1) * 0.05

    gate, headers = _gate(after=3)
    assert fake_upstream.release(gate)["released"]  # opened before the stream comes
    gated = httpx.post(url, json=_chat_body("gated"), headers=headers)
    assert len(_sse_data(gated.content)) == events
    assert fake_upstream.gate(gate) == {
        "name": gate,
        "waiting": False,
        "released": True,
        "sent": events,
        "outcome": "completed",
    }
