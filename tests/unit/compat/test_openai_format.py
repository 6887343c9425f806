"""Builders of OpenAI chat completion objects."""

from __future__ import annotations

from chalicelib.compat.openai_format import (
    ChunkWriter,
    TokenCounts,
    completion,
    completion_to_chunks,
    sse_body,
    tool_call,
)
from tests.unit.compat.helpers import chunks_of, streamed_text, streamed_tool_calls


def test_token_counts() -> None:
    assert TokenCounts(3, 4).to_openai() == {
        "prompt_tokens": 3,
        "completion_tokens": 4,
        "total_tokens": 7,
    }
    detailed = TokenCounts(3, 4, cached=1, reasoning=2).to_openai()
    assert detailed["prompt_tokens_details"] == {"cached_tokens": 1}
    assert detailed["completion_tokens_details"] == {"reasoning_tokens": 2}


def test_sse_body_ends_with_done() -> None:
    assert sse_body([{"a": 1}, {"b": 2}]) == b'data: {"a": 1}\n\ndata: {"b": 2}\n\ndata: [DONE]\n\n'
    assert sse_body([]) == b"data: [DONE]\n\n"


def test_chunk_writer() -> None:
    writer = ChunkWriter("id-1", 5, "m")
    assert writer.delta({"content": "x"}, "stop") == {
        "id": "id-1",
        "object": "chat.completion.chunk",
        "created": 5,
        "model": "m",
        "choices": [
            {"index": 0, "delta": {"content": "x"}, "logprobs": None, "finish_reason": "stop"}
        ],
    }
    assert writer.usage(TokenCounts(1, 2))["choices"] == []
    assert writer.usage(TokenCounts(1, 2))["usage"]["total_tokens"] == 3


def test_completion_to_chunks() -> None:
    calls = [tool_call("c1", "f", '{"a": 1}')]
    payload = completion("id", 1, "m", "text", calls, "tool_calls", TokenCounts(2, 3))
    chunks = chunks_of(sse_body(completion_to_chunks(payload, include_usage=True)))
    assert streamed_text(chunks) == "text"
    assert streamed_tool_calls(chunks) == [{"id": "c1", "name": "f", "arguments": '{"a": 1}'}]
    assert chunks[-2]["choices"][0]["finish_reason"] == "tool_calls"
    assert chunks[-1]["usage"] == {"prompt_tokens": 2, "completion_tokens": 3, "total_tokens": 5}
    without = completion_to_chunks(payload, include_usage=False)
    assert all("usage" not in c for c in without)
