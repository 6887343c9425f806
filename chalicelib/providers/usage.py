"""Token usage and model type of proxied provider responses: a reader per wire format."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from chalicelib.providers.sse import is_event_stream, iter_sse_events

_GOOGLE_COUNT_KEYS = (
    "promptTokenCount",
    "toolUsePromptTokenCount",
    "candidatesTokenCount",
    "thoughtsTokenCount",
)
_RESPONSE_TERMINAL_EVENTS = ("response.completed", "response.incomplete", "response.failed")
_ANTHROPIC_INPUT_KEYS = ("input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens")
MAX_TOKENS = 10**15
"""Token counts from this up are not believed (unknown): no call is that large, and sums
and costs of them stay exact and storable."""


@dataclass(frozen=True)
class Usage:
    """Tokens of one response; None means the provider did not say."""

    tokens_in: int | None = None
    """All input tokens, including cached ones."""
    tokens_out: int | None = None
    """Output tokens, including reasoning."""
    cache_read_tokens: int | None = None
    """Part of tokens_in served from the provider's prompt cache."""
    cache_write_tokens: int | None = None
    """Part of tokens_in written to the provider's prompt cache."""
    model: str | None = None
    """The model as the provider's response names it."""

    @property
    def known(self) -> bool:
        """True when the provider reported input or output tokens."""
        return self.tokens_in is not None or self.tokens_out is not None


UsageReader = Callable[[Iterator[Any], str | None], Usage]
"""Reads the usage of an answer from its JSON documents, given the endpoint's model type."""


class WireLike(Protocol):
    """What usage needs of a wire format (chalicelib.providers.wires.Wire, which is built from
    the readers here, so this module does not import it)."""

    @property
    def read_usage(self) -> UsageReader: ...

    def classify(self, path: str) -> tuple[WireLike, str | None]: ...


def model_type(wire: WireLike, path: str) -> str | None:
    """Classify a request path: "chat", "completion", "embedding", "image", "audio" or None."""
    return wire.classify(path)[1]


def extract_usage(wire: WireLike, path: str, body: bytes, content_type: str | None) -> Usage:
    """Read tokens and model from a complete upstream response body; never raises.

    `wire` is the provider's wire format, `path` the request path after the provider slug;
    the path picks the body format (`Wire.classify`). Bodies without usage (errors, garbage)
    give `Usage()`.
    """
    body_wire, kind = wire.classify(path)
    return body_wire.read_usage(_documents(body, content_type), kind)


# --- body decoding ---------------------------------------------------------------------------


def _documents(body: bytes, content_type: str | None) -> Iterator[Any]:
    """The JSON documents of a body: each SSE event's data, or the body itself."""
    if is_event_stream(content_type):
        for event in iter_sse_events(body):
            if event.data != "[DONE]":
                yield _loads(event.data)
    else:
        yield _loads(body)


def _loads(text: str | bytes) -> Any:
    """Parsed JSON, or None for anything else (ValueError covers bad JSON and bad Unicode)."""
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


def _dict(value: Any, key: str) -> dict[str, Any]:
    """`value[key]` when `value` is a dict and that entry is a dict, else an empty dict."""
    item = value.get(key) if isinstance(value, dict) else None
    return item if isinstance(item, dict) else {}


def _int(value: Any, key: str) -> int | None:
    """`value[key]` when it is an int from 0 to under MAX_TOKENS, else None."""
    item = value.get(key) if isinstance(value, dict) else None
    if isinstance(item, int) and not isinstance(item, bool) and 0 <= item < MAX_TOKENS:
        return item
    return None


def _str(value: Any, key: str) -> str | None:
    """`value[key]` when it is a non-empty string, else None."""
    item = value.get(key) if isinstance(value, dict) else None
    return item if isinstance(item, str) and item else None


# --- OpenAI and OpenAI-compatible ------------------------------------------------------------


def openai_usage(documents: Iterator[Any], kind: str | None) -> Usage:
    """Chat/legacy completions, embeddings and Responses, as JSON or SSE chunks.

    In streams, usage rides on one chunk (chat: the final chunk with `include_usage`, or Groq's
    `x_groq.usage`; Responses: the `response` of the terminal event); the last one wins.
    """
    model: str | None = None
    usage: dict[str, Any] | None = None
    for doc in documents:
        if not isinstance(doc, dict):
            continue
        if doc.get("type") in _RESPONSE_TERMINAL_EVENTS:
            doc = _dict(doc, "response")
        model = _str(doc, "model") or model
        found = _dict(doc, "usage") or _dict(_dict(doc, "x_groq"), "usage")
        if found:
            usage = found
    if usage is None:
        return Usage(model=model)
    if "prompt_tokens" in usage:  # chat, legacy completions, embeddings
        tokens_in, tokens_out = _int(usage, "prompt_tokens"), _int(usage, "completion_tokens")
        details = _dict(usage, "prompt_tokens_details")
        cache_read = _int(details, "cached_tokens")
        if cache_read is None:  # DeepSeek
            cache_read = _int(usage, "prompt_cache_hit_tokens")
    else:  # Responses API (also images and audio token usage)
        tokens_in, tokens_out = _int(usage, "input_tokens"), _int(usage, "output_tokens")
        details = _dict(usage, "input_tokens_details")
        cache_read = _int(details, "cached_tokens")
    if kind == "embedding" and tokens_in is not None and tokens_out is None:
        tokens_out = 0
    return Usage(tokens_in, tokens_out, cache_read, _int(details, "cache_write_tokens"), model)


# --- Anthropic -------------------------------------------------------------------------------


def anthropic_usage(documents: Iterator[Any], kind: str | None) -> Usage:
    """Messages API JSON, or its stream (`message_start`, then cumulative `message_delta`s).

    Anthropic's `input_tokens` excludes cache reads and writes; `tokens_in` includes them.
    """
    model: str | None = None
    counts: dict[str, int] = {}
    tokens_out: int | None = None
    for doc in documents:
        doc_type = doc.get("type") if isinstance(doc, dict) else None
        if doc_type == "message_start":
            message = _dict(doc, "message")
            model = _str(message, "model") or model
            _update_input_counts(counts, _dict(message, "usage"))
        elif doc_type in ("message", "message_delta"):
            model = _str(doc, "model") or model
            usage = _dict(doc, "usage")
            _update_input_counts(counts, usage)
            tokens_out = _int(usage, "output_tokens")
    uncached = counts.get("input_tokens")
    write = counts.get("cache_creation_input_tokens")
    read = counts.get("cache_read_input_tokens")
    tokens_in = None if uncached is None else uncached + (write or 0) + (read or 0)
    return Usage(tokens_in, tokens_out, read, write, model)


def _update_input_counts(counts: dict[str, int], usage: dict[str, Any]) -> None:
    """Take the input-side counts `usage` reports, keeping earlier ones it lacks."""
    for key in _ANTHROPIC_INPUT_KEYS:
        value = _int(usage, key)
        if value is not None:
            counts[key] = value


# --- Google Gemini ---------------------------------------------------------------------------


def google_usage(documents: Iterator[Any], kind: str | None) -> Usage:
    """generateContent JSON, and streamGenerateContent as SSE or as a JSON array.

    Counts are proto3 JSON, which omits zeros: once `usageMetadata` reports any count, a missing
    one is 0. Tool-use prompt tokens are input that `promptTokenCount` excludes.
    """
    model: str | None = None
    metadata: dict[str, Any] = {}
    for doc in documents:
        for response in doc if isinstance(doc, list) else [doc]:
            model = _str(response, "modelVersion") or model
            metadata = _dict(response, "usageMetadata") or metadata
    counts = {key: _int(metadata, key) for key in _GOOGLE_COUNT_KEYS}
    if all(value is None for value in counts.values()):
        return Usage(model=model)
    prompt, tool_use, candidates, thoughts = (counts[key] or 0 for key in _GOOGLE_COUNT_KEYS)
    return Usage(
        tokens_in=prompt + tool_use,
        tokens_out=candidates + thoughts,
        cache_read_tokens=_int(metadata, "cachedContentTokenCount"),
        model=model,
    )
