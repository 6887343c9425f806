"""Answers relayed as they arrive: order, logs at the end, disconnects, caching, bounds."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from chalicelib.accounts.store import AccountStore
from chalicelib.errors import UpstreamUnreachable
from chalicelib.logstore.bodies import MAX_BODY_BYTES
from chalicelib.proxy.relay import CLIENT_GONE
from chalicelib.settings import Settings
from tests.support.sse import chat_chunk
from tests.support.tenants import Tenant
from tests.unit.proxy.harness import CHAT_REQUEST, ProxyHarness

SSE = {"content-type": "text/event-stream"}


USAGE = (
    b'data: {"id":"c","object":"chat.completion.chunk","model":"gpt-4o-mini","choices":[],'
    b'"usage":{"prompt_tokens":7,"completion_tokens":3,"total_tokens":10}}\n\n'
)
DONE = b"data: [DONE]\n\n"


class PacedUpstream:
    """A provider stream that records how far it was read and whether it was closed."""

    def __init__(self, events: list[bytes], fail_after: int | None = None) -> None:
        self.events = events
        self.fail_after = fail_after
        self.sent = 0
        self.closed = False

    def __iter__(self) -> Iterator[bytes]:
        try:
            for event in self.events:
                if self.sent == self.fail_after:
                    raise httpx.ReadError("connection reset")
                self.sent += 1
                yield event
        finally:
            self.closed = True


@pytest.fixture
def proxy(settings: Settings, accounts: AccountStore) -> ProxyHarness:
    return ProxyHarness(settings, accounts)


def _serve(proxy: ProxyHarness, upstream: PacedUpstream) -> None:
    proxy.handler = lambda request: httpx.Response(200, headers=SSE, content=iter(upstream))


def test_events_reach_the_client_as_the_provider_sends_them(
    proxy: ProxyHarness, tenant: Tenant
) -> None:
    upstream = PacedUpstream([chat_chunk("Hel"), chat_chunk("lo"), USAGE, DONE])
    _serve(proxy, upstream)
    answer = proxy.call(tenant)
    assert answer.chunks is not None and "aig-log-status" not in answer.headers
    assert next(answer.chunks) == chat_chunk("Hel") and upstream.sent == 1
    assert proxy.records() == []  # the log is written when the stream ends
    rest = b"".join(answer.chunks)
    assert rest == chat_chunk("lo") + USAGE + DONE and upstream.closed
    record = proxy.log(tenant, answer)
    assert (record.tokens_in, record.tokens_out) == (7, 3)
    assert record.response_size == len(chat_chunk("Hel")) + len(rest)
    assert record.time_to_first_token is not None and record.error is None
    assert answer.headers["aig-log-status"] == "stored"  # known once the body ended


def test_a_client_that_goes_away_is_logged_once_and_the_provider_released(
    proxy: ProxyHarness, tenant: Tenant
) -> None:
    upstream = PacedUpstream([chat_chunk("a"), chat_chunk("b"), USAGE, DONE])
    _serve(proxy, upstream)
    answer = proxy.call(tenant, headers={"aig-cache-ttl": "60"})
    assert answer.chunks is not None
    next(answer.chunks)
    answer.chunks.close()  # type: ignore[attr-defined]
    answer.chunks.close()  # type: ignore[attr-defined]
    assert upstream.sent == 1  # read no further (a real connection is closed)
    [record] = proxy.records()
    assert record.error == CLIENT_GONE and record.response_size == len(chat_chunk("a"))
    assert record.status_code == 200 and not record.success  # the answer was cut
    again = proxy.call(tenant, headers={"aig-cache-ttl": "60"})  # a cut answer is not cached
    assert again.headers["aig-cache-status"] == "MISS"


def test_a_relay_closed_before_its_first_chunk_still_logs(
    proxy: ProxyHarness, tenant: Tenant
) -> None:
    upstream = PacedUpstream([chat_chunk("a"), DONE])
    _serve(proxy, upstream)
    answer = proxy.call(tenant)
    answer.chunks.close()  # type: ignore[union-attr]
    [record] = proxy.records()
    assert record.error == CLIENT_GONE and record.response_size == 0


def test_a_provider_breaking_off_mid_stream_is_raised_and_logged(
    proxy: ProxyHarness, tenant: Tenant
) -> None:
    _serve(proxy, PacedUpstream([chat_chunk("a"), chat_chunk("b"), DONE], fail_after=2))
    answer = proxy.call(tenant)
    assert answer.chunks is not None
    with pytest.raises(UpstreamUnreachable):
        for _ in answer.chunks:
            pass
    [record] = proxy.records()
    assert record.error is not None and "broke off" in record.error
    assert record.response_size == len(chat_chunk("a")) + len(chat_chunk("b"))


def test_a_completed_stream_is_cached_and_replayed_as_a_stream(
    proxy: ProxyHarness, tenant: Tenant
) -> None:
    events = [chat_chunk("Hel"), chat_chunk("lo"), USAGE, DONE]
    _serve(proxy, PacedUpstream(events))
    first = proxy.call(tenant, headers={"aig-cache-ttl": "60"})
    assert first.headers["aig-cache-status"] == "MISS" and first.read() == b"".join(events)
    hit = proxy.call(tenant, headers={"aig-cache-ttl": "60"})
    assert hit.headers["aig-cache-status"] == "HIT" and hit.chunks is not None
    assert list(hit.chunks) == events and len(proxy.sent) == 1


def test_a_large_stream_is_stored_truncated_and_counted_whole(
    proxy: ProxyHarness, tenant: Tenant
) -> None:
    piece = b"x" * 65536
    count = MAX_BODY_BYTES // len(piece) + 16
    proxy.handler = lambda request: httpx.Response(
        200, headers={"content-type": "application/octet-stream"}, content=iter([piece] * count)
    )
    answer = proxy.call(tenant)
    size = sum(len(chunk) for chunk in answer.iter_body())
    record = proxy.log(tenant, answer)
    assert size == count * len(piece) == record.response_size
    assert record.body_truncated


def test_small_answers_with_a_length_are_logged_before_answering(
    proxy: ProxyHarness, tenant: Tenant
) -> None:
    answer = proxy.call(tenant)  # the harness answers JSON with a Content-Length
    assert answer.chunks is None and answer.headers["aig-log-status"] == "stored"


def test_anthropic_streams_are_translated_for_the_unified_api_as_they_arrive(
    proxy: ProxyHarness, tenant: Tenant
) -> None:
    def event(kind: str, data: dict[str, object]) -> bytes:
        return f"event: {kind}\ndata: {json.dumps({'type': kind, **data})}\n\n".encode()

    message = {"id": "msg_1", "model": "claude-x", "usage": {"input_tokens": 5}}
    text = {"type": "text_delta", "text": "Hi"}
    stop = {"stop_reason": "end_turn"}
    upstream = PacedUpstream(
        [
            event("message_start", {"message": message}),
            event("content_block_delta", {"index": 0, "delta": text}),
            event("message_delta", {"delta": stop, "usage": {"output_tokens": 2}}),
            event("message_stop", {}),
        ]
    )
    _serve(proxy, upstream)
    body = {"model": "anthropic/claude-x", "messages": [{"role": "user", "content": "hi"}]}
    answer = proxy.call(
        tenant, provider="compat", body=json.dumps({**body, "stream": True}).encode()
    )
    assert answer.chunks is not None
    first = next(answer.chunks)
    assert first.startswith(b"data: ") and upstream.sent < len(upstream.events)
    rest = b"".join(answer.chunks)
    assert rest.endswith(b"data: [DONE]\n\n") and b'"content": "Hi"' in first + rest
    record = proxy.log(tenant, answer)
    assert (record.tokens_in, record.tokens_out) == (5, 2)


def test_a_fallback_step_that_streams_is_relayed_after_the_failed_ones(
    proxy: ProxyHarness, tenant: Tenant
) -> None:
    upstream = PacedUpstream([chat_chunk("Hel"), chat_chunk("lo"), USAGE, DONE])

    def reply(request: httpx.Request) -> httpx.Response:
        if request.url.host == "api.groq.com":
            return httpx.Response(503, json={"error": "busy"})
        return httpx.Response(200, headers=SSE, content=iter(upstream))

    proxy.handler = reply
    step = {"endpoint": "chat/completions", "query": {**CHAT_REQUEST, "stream": True}}
    steps = [{"provider": "groq", **step}, {"provider": "openai", **step}]
    answer = proxy.universal(tenant, steps)
    assert answer.headers["aig-step"] == "1" and answer.chunks is not None
    assert next(answer.chunks) == chat_chunk("Hel") and upstream.sent == 1
    [failed] = proxy.records()  # the failed step is logged; the relayed one when it ends
    assert (failed.step, failed.status_code) == (0, 503)
    b"".join(answer.chunks)
    relayed = proxy.log(tenant, answer)
    assert (relayed.step, relayed.tokens_out) == (1, 3)
    assert relayed.event_id == failed.event_id
