"""Shared helpers for the compat tests: SSE bodies in and out."""

from __future__ import annotations

import json
from typing import Any

from tests.support.sse import sse_data


def chunks_of(body: bytes) -> list[dict[str, Any]]:
    """The JSON chunks of an OpenAI stream body, checking it ends with `[DONE]`."""
    data = sse_data(body)
    assert data[-1] == "[DONE]"
    assert "[DONE]" not in data[:-1]
    return [json.loads(item) for item in data[:-1]]


def deltas(chunks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The delta of choice 0 of each chunk that has choices."""
    return [c["choices"][0]["delta"] for c in chunks if c["choices"]]


def streamed_text(chunks: list[dict[str, Any]]) -> str:
    return "".join(d.get("content") or "" for d in deltas(chunks))


def streamed_tool_calls(chunks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Tool calls re-assembled from stream deltas, the way OpenAI clients do."""
    calls: dict[int, dict[str, Any]] = {}
    for delta in deltas(chunks):
        for piece in delta.get("tool_calls") or []:
            call = calls.setdefault(piece["index"], {"id": None, "name": None, "arguments": ""})
            call["id"] = piece.get("id") or call["id"]
            function = piece.get("function") or {}
            call["name"] = function.get("name") or call["name"]
            call["arguments"] += function.get("arguments") or ""
    return [calls[i] for i in sorted(calls)]


def finish_reasons(chunks: list[dict[str, Any]]) -> list[str]:
    return [
        c["choices"][0]["finish_reason"]
        for c in chunks
        if c["choices"] and c["choices"][0]["finish_reason"]
    ]
