"""Bounded samples and captures of relayed bodies."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator

import pytest

from chalicelib.errors import UpstreamUnreachable
from chalicelib.providers.usage import extract_usage
from chalicelib.providers.wires import OPENAI_WIRE
from chalicelib.proxy.relay import (
    CLIENT_GONE,
    SAMPLE_BYTES,
    Capture,
    Relay,
    RelayEnd,
    Sample,
    split_events,
)


def test_capture_keeps_its_limit_and_counts_everything() -> None:
    capture = Capture(5)
    for chunk in (b"abc", b"defg", b"hij"):
        capture.add(chunk)
    assert capture.body() == b"abcde" and capture.size == 10


def test_sample_of_a_long_event_stream_keeps_head_and_tail_for_usage() -> None:
    start = b'data: {"model":"gpt-4o-mini","choices":[]}\n\n'
    filler = b'data: {"choices":[{"delta":{"content":"' + b"x" * 200 + b'"}}]}\n\n'
    usage = b'data: {"choices":[],"usage":{"prompt_tokens":11,"completion_tokens":22}}\n\n'
    sample = Sample(event_stream=True)
    sample.add(start)
    for _ in range(2_000):  # about 460 KB: far over head and tail
        sample.add(filler)
    sample.add(usage + b"data: [DONE]\n\n")
    body = sample.body()
    assert len(body) <= 2 * SAMPLE_BYTES + 2
    found = extract_usage(OPENAI_WIRE, "chat/completions", body, "text/event-stream")
    assert (found.tokens_in, found.tokens_out, found.model) == (11, 22, "gpt-4o-mini")


def test_sample_of_other_bodies_is_the_body() -> None:
    sample = Sample(event_stream=False)
    document = json.dumps({"usage": {"prompt_tokens": 1}}).encode()
    for index in range(0, len(document), 3):
        sample.add(document[index : index + 3])
    assert sample.body() == document


def test_relay_reports_its_end_once() -> None:
    ends: list[RelayEnd] = []
    relay = Relay(iter([b"a", b"bc"]), ends.append)
    assert list(relay) == [b"a", b"bc"]
    relay.close()
    assert ends == [RelayEnd(body=b"abc", size=3, error=None)]


def test_split_events_keeps_every_byte() -> None:
    body = b"data: a\n\ndata: b\r\n\r\n: comment\n\ndata: c"
    events = list(split_events(body))
    assert b"".join(events) == body and len(events) == 4


def test_a_client_gone_during_a_silent_provider_ends_the_relay_as_gone() -> None:
    ends: list[RelayEnd] = []
    aborted = threading.Event()

    def provider() -> Iterator[bytes]:
        yield b"a"
        aborted.wait(5)  # silent until the watcher aborts it
        raise UpstreamUnreachable("provider openai broke off its answer (ReadError)")

    relay = Relay(provider(), ends.append, abort=aborted.set)
    assert next(relay) == b"a"
    relay.client_gone()
    with pytest.raises(UpstreamUnreachable):
        next(relay)
    assert ends == [RelayEnd(body=b"a", size=1, error=CLIENT_GONE)]
