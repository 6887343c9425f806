from __future__ import annotations

import json

from aig_cli.sse import assemble, is_event_stream


def _events(*payloads: object, done: bool = False) -> str:
    lines = [f"data: {json.dumps(p)}\n\n" for p in payloads]
    return "".join(lines) + ("data: [DONE]\n\n" if done else "")


def test_openai_chat_stream() -> None:
    body = _events(
        {"choices": [{"delta": {"role": "assistant"}}]},
        {"choices": [{"delta": {"content": "Hel"}}]},
        {"choices": [{"delta": {"content": "lo"}}]},
        {"choices": [], "usage": {"prompt_tokens": 1}},
        done=True,
    )
    assert assemble(body) == "Hello"


def test_anthropic_stream_with_event_lines() -> None:
    body = (
        'event: message_start\ndata: {"type": "message_start"}\n\n'
        "event: content_block_delta\n"
        'data: {"type": "content_block_delta", "delta": {"type": "text_delta", "text": "Hi"}}\n\n'
        "event: content_block_delta\n"
        'data: {"type": "content_block_delta", "delta": {"type": "text_delta", "text": "!"}}\n\n'
    )
    assert assemble(body) == "Hi!"


def test_google_and_responses_streams() -> None:
    google = _events({"candidates": [{"content": {"parts": [{"text": "a"}, {"text": "b"}]}}]})
    assert assemble(google) == "ab"
    responses = _events({"type": "response.output_text.delta", "delta": "xy"})
    assert assemble(responses) == "xy"


def test_data_split_over_lines_and_crlf() -> None:
    body = 'data: {"choices": [{"delta":\r\ndata: {"content": "ok"}}]}\r\n\r\n'
    assert assemble(body) == "ok"


def test_a_stream_without_text_is_none() -> None:
    assert assemble(_events({"type": "ping"}) + "data: not json\n\n") is None
    assert assemble("") is None


def test_is_event_stream() -> None:
    assert is_event_stream("text/event-stream; charset=utf-8")
    assert not is_event_stream("application/json")
