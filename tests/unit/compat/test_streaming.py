"""Native streams translated to OpenAI chunks as they arrive (translate_stream)."""

from __future__ import annotations

import contextlib
import itertools
import json
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.compat import ChatTranslation, translate_chat_request, translate_embeddings_request
from chalicelib.compat.anthropic_response import AnthropicStream
from chalicelib.compat.google_response import GoogleStream
from chalicelib.compat.openai_format import sse_body
from chalicelib.providers.sse import iter_sse_events
from chalicelib.proxy.exchange import ProxyResponse
from chalicelib.proxy.unified import presenter
from tests.support.sse import sse
from tests.unit.compat.helpers import chunks_of, streamed_text, streamed_tool_calls

CREATED = 1_700_000_002
SSE = "text/event-stream; charset=utf-8"
MESSAGES = [{"role": "user", "content": "hi"}]


def translation(model: str, include_usage: bool = True) -> ChatTranslation:
    body: dict[str, Any] = {
        "model": model,
        "messages": MESSAGES,
        "stream": True,
        "stream_options": {"include_usage": include_usage},
    }
    return translate_chat_request(body, created=CREATED)


def anthropic_stream() -> bytes:
    usage = {"input_tokens": 12, "cache_read_input_tokens": 3, "output_tokens": 1}
    start = {"id": "msg_9", "type": "message", "role": "assistant", "model": "claude-x-1"}
    events: list[tuple[str | None, Any]] = [
        ("message_start", {"type": "message_start", "message": {**start, "usage": usage}}),
        ("content_block_start", {"index": 0, "content_block": {"type": "text", "text": ""}}),
        ("ping", {"type": "ping"}),
    ]
    for text in ["Bonjour, ", "ça va ? ", "\U0001f600 €"]:
        delta = {"type": "text_delta", "text": text}
        events.append(("content_block_delta", {"index": 0, "delta": delta}))
    tool = {"type": "tool_use", "id": "toolu_1", "name": "weather", "input": {}}
    events += [
        ("content_block_stop", {"index": 0}),
        ("content_block_start", {"index": 1, "content_block": tool}),
    ]
    for fragment in ['{"ci', 'ty": "Zü', 'rich"}']:
        delta = {"type": "input_json_delta", "partial_json": fragment}
        events.append(("content_block_delta", {"index": 1, "delta": delta}))
    final = {"delta": {"stop_reason": "tool_use"}, "usage": {"output_tokens": 30}}
    events += [
        ("content_block_stop", {"index": 1}),
        ("message_delta", final),
        ("message_stop", {}),
    ]
    body = sse([(name, {"type": name, **data}) for name, data in events])
    return body.replace(b"event: ping\n", b": keep-alive\nevent: ping\n")


def google_stream() -> bytes:
    def response(parts: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
        candidate = {"content": {"role": "model", "parts": parts}, "index": 0}
        return {
            "candidates": [{**candidate, **extra}],
            "usageMetadata": {"promptTokenCount": 8, "candidatesTokenCount": 21},
            "modelVersion": "gemini-2.5-flash",
            "responseId": "resp-7",
        }

    call = {"functionCall": {"name": "weather", "args": {"city": "Zürich"}}}
    responses = [
        response([{"text": "Grüß ", "thought": False}]),
        response([{"text": "dich \u4e16\u754c"}]),
        response([call, {"functionCall": {"name": "time", "args": {}}}], finishReason="STOP"),
    ]
    return sse([(None, r) for r in responses], separator="\r\n\r\n")


STREAMS = {
    "anthropic": ("anthropic/claude-x", AnthropicStream, anthropic_stream()),
    "google": ("google-ai-studio/gemini-2.5-flash", GoogleStream, google_stream()),
    "google-unterminated": (  # the last event without its blank line
        "google-ai-studio/gemini-2.5-flash",
        GoogleStream,
        google_stream().removesuffix(b"\r\n\r\n"),
    ),
}


@contextlib.contextmanager
def fixed_ids() -> Iterator[None]:
    """new_id() counts from 0 (Gemini function calls get generated ids)."""
    counter = itertools.count()
    fake = SimpleNamespace(uuid4=lambda: SimpleNamespace(hex=f"{next(counter):032x}"))
    with mock.patch("chalicelib.compat.openai_format.uuid", fake):
        yield


def whole(wire: str, include_usage: bool = True) -> bytes:
    model, _, body = STREAMS[wire]
    with fixed_ids():
        status, content_type, out = translation(model, include_usage).translate_response(
            200, SSE, body
        )
    assert (status, content_type) == (200, "text/event-stream")
    return out


def incremental(wire: str, pieces: list[bytes], include_usage: bool = True) -> list[bytes]:
    model = STREAMS[wire][0]
    with fixed_ids():
        status, content_type, out = translation(model, include_usage).translate_stream(
            200, SSE, iter(pieces)
        )
        assert (status, content_type) == (200, "text/event-stream")
        return list(out)


def split(body: bytes, cuts: list[int]) -> list[bytes]:
    bounds = [0, *sorted(c % (len(body) + 1) for c in cuts), len(body)]
    return [body[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]


@pytest.mark.parametrize("wire", STREAMS)
@pytest.mark.parametrize("include_usage", [True, False])
def test_whole_body_matches_feeding_all_documents(wire: str, include_usage: bool) -> None:
    """The buffered answer is what translating every event of the body gives."""
    model, stream, body = STREAMS[wire]
    with fixed_ids():
        translator = stream(model.split("/", 1)[1], CREATED, include_usage)
        documents = [json.loads(event.data) for event in iter_sse_events(body)]
        chunks = [chunk for document in documents for chunk in translator.feed(document)]
        expected = sse_body(chunks + translator.finish())
    assert whole(wire, include_usage) == expected


def test_translated_streams_are_real() -> None:
    anthropic, google = chunks_of(whole("anthropic")), chunks_of(whole("google"))
    assert streamed_text(anthropic) == "Bonjour, ça va ? \U0001f600 €"
    assert streamed_tool_calls(anthropic) == [
        {"id": "toolu_1", "name": "weather", "arguments": '{"city": "Zürich"}'}
    ]
    assert anthropic[-1]["usage"]["completion_tokens"] == 30
    assert streamed_text(google) == "Grüß dich \u4e16\u754c"
    assert [c["name"] for c in streamed_tool_calls(google)] == ["weather", "time"]


@pytest.mark.parametrize("wire", STREAMS)
def test_every_split_point(wire: str) -> None:
    body, expected = STREAMS[wire][2], whole(wire)
    for i in range(len(body) + 1):
        out = incremental(wire, [body[:i], body[i:]])
        assert b"".join(out) == expected
        assert all(out)


@pytest.mark.parametrize("wire", STREAMS)
@pytest.mark.parametrize("include_usage", [True, False])
def test_byte_at_a_time(wire: str, include_usage: bool) -> None:
    body = STREAMS[wire][2]
    out = incremental(wire, [bytes([b]) for b in body], include_usage)
    assert b"".join(out) == whole(wire, include_usage)
    assert all(out)


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(sorted(STREAMS)), st.lists(st.integers(min_value=0), max_size=30))
def test_random_splits(wire: str, cuts: list[int]) -> None:
    out = incremental(wire, split(STREAMS[wire][2], cuts))
    assert b"".join(out) == whole(wire)
    assert all(out)


def test_one_event_per_chunk_yields_per_event() -> None:
    events = [e + b"\n\n" for e in anthropic_stream().split(b"\n\n") if e]
    out = incremental("anthropic", events)
    # the empty text block's start, ping, both content_block_stop and message_stop make no
    # chunk; one last yield carries the usage chunk and [DONE]
    assert (len(events), len(out)) == (14, 14 - 5 + 1)
    assert out[-1].endswith(b"data: [DONE]\n\n")


class Source:
    """A streamed native body that records how far it was read and whether it was closed."""

    def __init__(self, pieces: list[bytes]) -> None:
        self.pieces = pieces
        self.pulled = 0
        self.closed = False

    def __iter__(self) -> Source:
        return self

    def __next__(self) -> bytes:
        if self.pulled == len(self.pieces):
            raise StopIteration
        self.pulled += 1
        return self.pieces[self.pulled - 1]

    def close(self) -> None:
        self.closed = True


def events_of(wire: str) -> list[bytes]:
    separator = b"\r\n\r\n" if wire == "google" else b"\n\n"
    return [e + separator for e in STREAMS[wire][2].split(separator) if e]


def test_reads_no_further_than_it_yields() -> None:
    first, second, *rest = events_of("google")
    source = Source([first[:10], first[10:], second, *rest])
    _, _, out = translation(STREAMS["google"][0]).translate_stream(200, SSE, source)
    assert source.pulled == 0
    assert b'"role": "assistant"' in next(out)
    assert source.pulled == 2  # the first chunk completed no event
    assert b"dich" in next(out)
    assert source.pulled == 3
    assert not source.closed
    assert b"".join(out).endswith(b"data: [DONE]\n\n")
    assert source.closed


def test_closing_early_closes_the_source() -> None:
    source = Source(events_of("anthropic"))
    _, _, out = translation(STREAMS["anthropic"][0]).translate_stream(200, SSE, source)
    next(out)
    out.close()  # type: ignore[attr-defined]
    assert source.closed
    assert source.pulled == 1


def test_a_failing_source_is_closed_and_the_error_passes() -> None:
    closed = []

    def source() -> Iterator[bytes]:
        try:
            yield events_of("anthropic")[0]
            raise ConnectionError("reset")
        finally:
            closed.append(True)

    _, _, out = translation(STREAMS["anthropic"][0]).translate_stream(200, SSE, source())
    next(out)
    with pytest.raises(ConnectionError):
        next(out)
    assert closed == [True]


def test_empty_stream_still_ends_with_done() -> None:
    _, _, out = translation(STREAMS["google"][0]).translate_stream(200, SSE, iter([b"", b""]))
    assert list(out) == [b"data: [DONE]\n\n"]


@pytest.mark.parametrize(
    ("status", "content_type", "body"),
    [
        (429, "application/json", b'{"type": "error", "error": {"message": "slow"}}'),
        (500, "text/event-stream", b"data: {}\n\n"),
        (200, "application/json", json.dumps([{"responseId": "r", "candidates": []}]).encode()),
        (200, "text/html", b"<html>nope</html>"),
    ],
)
def test_other_answers_are_read_whole(status: int, content_type: str, body: bytes) -> None:
    chat = translation(STREAMS["google"][0])
    source = Source([body[:5], body[5:]])
    code, kind, out = chat.translate_stream(status, content_type, source)
    assert (source.pulled, source.closed) == (2, True)
    expected_status, expected_type, expected = chat.translate_response(status, content_type, body)
    assert (code, kind, list(out)) == (expected_status, expected_type, [expected])


def test_openai_compatible_stream_passes_through() -> None:
    source = Source([b"data: {}\n\n"])
    chat = translate_chat_request({"model": "groq/llama", "messages": MESSAGES, "stream": True})
    assert chat.translate_stream(200, None, source) == (200, "application/json", source)
    assert source.pulled == 0


@pytest.mark.parametrize("model", ["google-ai-studio/text-embedding-004", "mistral/embed"])
def test_embeddings_are_read_whole(model: str) -> None:
    embeddings = translate_embeddings_request({"model": model, "input": "x"})
    body = json.dumps({"embeddings": [{"values": [0.5]}]}).encode()
    source = Source([body[:7], body[7:]])
    status, kind, out = embeddings.translate_stream(200, "application/json", source)
    assert source.closed
    assert (status, kind, list(out)) == (
        200,
        "application/json",
        [embeddings.translate_response(200, "application/json", body)[2]],
    )


def test_presenter_translates_a_streamed_body_as_it_arrives() -> None:
    model, _, body = STREAMS["anthropic"]
    source = Source(events_of("anthropic"))
    with fixed_ids():
        present = presenter(translation(model))
        answer = present(ProxyResponse(200, {"Content-Type": SSE}, chunks=source))
        assert (answer.status, answer.headers, answer.body) == (
            200,
            {"Content-Type": "text/event-stream"},
            b"",
        )
        assert answer.chunks is not None
        assert source.pulled == 0
        assert answer.read() == whole("anthropic")
    buffered = present(ProxyResponse(200, {"Content-Type": SSE}, body))
    assert (buffered.chunks, buffered.body) == (None, whole("anthropic"))
