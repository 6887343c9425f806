"""Fake OpenAI / Anthropic / Gemini upstream speaking the real wire formats (JSON and SSE).

Run it with ``python -m tests.fakes.upstream --port 0``; it prints one line
``FAKE_UPSTREAM_LISTENING http://HOST:PORT`` and serves until SIGINT/SIGTERM.
Routes are matched on the end of the path, so any prefix (``/openai/v1``, ``/groq/openai/v1``,
``/anthropic``, ``/google``) works. Replies are deterministic: ``"echo: " + last user text``.

Tool calls, in each wire format (JSON and SSE): when a request declares tools and its last turn
is not a tool result, the model calls one tool (the one ``tool_choice`` / ``toolConfig`` names,
else the first; none when they say "none") with arguments built from its parameter schema
(see ``tool_arguments``): OpenAI ``tool_calls`` + ``finish_reason: "tool_calls"``, Anthropic a
``tool_use`` block + ``stop_reason: "tool_use"``, Gemini a ``functionCall`` part. When the last
turn carries tool results (OpenAI ``role: "tool"`` messages, Anthropic ``tool_result`` blocks,
Gemini ``functionResponse`` parts), the reply is ``"echo: " + the result text``.
Gemini ``:batchEmbedContents`` / ``:embedContent`` answer with ``embedding_vector`` values.

Control headers: ``x-fake-status`` (error status, provider-shaped body), ``x-fake-delay-ms``,
``x-fake-no-usage: 1`` and ``x-fake-raw`` (text/plain body, status 200 or ``x-fake-status``).
``x-fake-fail-times: N`` fails the first N requests that carry the same ``x-fake-key`` with
``x-fake-fail-status`` (default 500) and answers the later ones normally (retry tests).

Streaming controls (SSE answers only; without them an event stream is sent whole, with a
Content-Length, as before). Any of them sends the stream chunked (no Content-Length), one
event per HTTP chunk, each written as soon as it is due:

- ``x-fake-chunked: 1``: just that.
- ``x-fake-pace-ms: N``: N ms between consecutive events (none before the first).
- ``x-fake-gate: NAME`` (with ``x-fake-gate-after: K``, default 1): after K events the
  stream waits until the test opens gate NAME with ``POST /_fake/gates/NAME``
  (``FakeUpstreamProcess.release``). A gate may be opened before the stream reaches it.
  ``GET /_fake/gates/NAME`` tells where the stream is (``FakeUpstreamProcess.gate``):
  ``waiting`` (paused at the gate now), ``released``, ``sent`` (events written) and
  ``outcome`` (``completed``, ``client_gone`` when the reader went away, ``timed_out``
  when the gate stayed shut for ``x-fake-gate-timeout-ms``, default 60000: the stream
  is then broken off without its last chunk).
- ``x-fake-stream-bytes: N`` (chat completions with ``stream: true``): a stream of exactly
  N bytes (or the shortest possible one, when N is smaller) of valid
  ``chat.completion.chunk`` events, generated as they are sent (never held whole): the
  role chunk, content chunks of up to ``STREAM_PIECE`` bytes (each one word, one token),
  the finish chunk, the usage chunk when asked for, then ``[DONE]``.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import re
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

BANNER = "FAKE_UPSTREAM_LISTENING"
JOURNAL_PATH = "/_fake/requests"
GATES_PATH = "/_fake/gates/"
STREAM_PIECE = 16 * 1024
"""Largest event of an ``x-fake-stream-bytes`` stream, in bytes."""
GATE_TIMEOUT_MS = 60_000
REPO_ROOT = Path(__file__).resolve().parents[2]
EMBEDDING_DIMENSIONS = 8
ARGUMENT_FRAGMENT = 8
"""Characters per streamed fragment of tool call arguments."""
FAKE_ARGUMENT_VALUES: dict[str, Any] = {
    "string": "echo",
    "integer": 1,
    "number": 1,
    "boolean": True,
    "array": [],
    "object": {},
}

OPENAI, ANTHROPIC, GEMINI = "openai", "anthropic", "gemini"

_OPENAI_ERRORS: dict[int, tuple[str, str | None]] = {
    401: ("invalid_request_error", "invalid_api_key"),
    403: ("permission_denied", "unsupported_country_region_territory"),
    429: ("requests", "rate_limit_exceeded"),
}
_ANTHROPIC_ERRORS = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    529: "overloaded_error",
}
_GEMINI_ERRORS = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}


# --------------------------------------------------------------------------- pure helpers


def count_tokens(text: str) -> int:
    """Fake tokenizer: whitespace-separated words, at least 1."""
    return max(1, len(text.split()))


def prompt_text(*texts: str) -> str:
    """Join every prompt text (system included) the way token counts are computed."""
    return " ".join(texts)


def split_words(text: str) -> list[str]:
    """Split a reply into stream deltas, word by word, keeping the separating whitespace."""
    return re.split(r"(?<=\S)(?=\s+\S)", text)


def content_text(content: Any) -> str:
    """Text of a message content: a string, or a list of parts/blocks carrying ``text``."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(p["text"] for p in _dicts(content) if isinstance(p.get("text"), str))
    return ""


def embedding_vector(text: str) -> list[float]:
    """Deterministic embedding (exactly representable in float32) derived from the text."""
    digest = hashlib.sha256(text.encode()).digest()
    return [(b - 128) / 128 for b in digest[:EMBEDDING_DIMENSIONS]]


def speech_bytes(text: str) -> bytes:
    """Deterministic fake MP3 bytes for a text, including non-UTF-8 bytes."""
    return b"ID3\xff\xfe\x00" + hashlib.sha256(text.encode()).digest() + text.encode()


def transcription_text(size: int) -> str:
    """Transcription returned for an uploaded file of ``size`` bytes."""
    return f"transcribed {size} bytes"


@dataclass(frozen=True)
class Prompt:
    """Texts of a request (in order, system first) and the last user text."""

    texts: tuple[str, ...]
    last_user: str

    @property
    def reply(self) -> str:
        """The fake model's answer."""
        return "echo: " + self.last_user

    @property
    def prompt_tokens(self) -> int:
        """Input token count."""
        return count_tokens(prompt_text(*self.texts))

    @property
    def completion_tokens(self) -> int:
        """Output token count."""
        return count_tokens(self.reply)


def _dicts(value: Any) -> list[dict[str, Any]]:
    """The dict items of a list (anything else gives an empty list)."""
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _messages_prompt(system: tuple[str, ...], messages: list[dict[str, Any]], key: str) -> Prompt:
    """Prompt from role-tagged messages whose text lives under ``key``."""
    texts = [content_text(m.get(key)) for m in messages]
    users = [content_text(m.get(key)) for m in messages if m.get("role", "user") == "user"]
    return Prompt(system + tuple(texts), users[-1] if users else "")


def _optional(text: Any) -> tuple[str, ...]:
    """A one-element tuple for a non-empty system text, else empty."""
    return (text,) if isinstance(text, str) and text else ()


def _answering(prompt: Prompt, results: list[str]) -> Prompt:
    """``prompt`` answering the tool ``results`` of the last turn, when there are any."""
    return replace(prompt, last_user=" ".join(results)) if results else prompt


def chat_prompt(body: Mapping[str, Any]) -> Prompt:
    """Prompt of an OpenAI chat completions request (trailing tool messages are answered)."""
    messages = _dicts(body.get("messages"))
    results: list[str] = []
    for message in reversed(messages):
        if message.get("role") != "tool":
            break
        results.insert(0, content_text(message.get("content")))
    return _answering(_messages_prompt((), messages, "content"), results)


def responses_prompt(body: Mapping[str, Any]) -> Prompt:
    """Prompt of an OpenAI Responses request (``instructions`` + ``input``)."""
    system = _optional(body.get("instructions"))
    raw_input = body.get("input")
    if isinstance(raw_input, str):
        return Prompt((*system, raw_input), raw_input)
    items = [item for item in _dicts(raw_input) if "role" in item]
    return _messages_prompt(system, items, "content")


def anthropic_tool_results(body: Mapping[str, Any]) -> list[str]:
    """Texts of the ``tool_result`` blocks of the last message, when it is a user one."""
    messages = _dicts(body.get("messages"))
    if not messages or messages[-1].get("role") != "user":
        return []
    blocks = _dicts(messages[-1].get("content"))
    return [content_text(b.get("content")) for b in blocks if b.get("type") == "tool_result"]


def anthropic_prompt(body: Mapping[str, Any]) -> Prompt:
    """Prompt of an Anthropic Messages request (``system`` + ``messages``)."""
    system = _optional(content_text(body.get("system")))
    prompt = _messages_prompt(system, _dicts(body.get("messages")), "content")
    return _answering(prompt, anthropic_tool_results(body))


def function_response_text(response: Any) -> str:
    """Text of a Gemini ``functionResponse.response``: its ``output``, ``content`` or
    ``result`` string when it has one, else the object as JSON."""
    if isinstance(response, dict):
        for key in ("output", "content", "result"):
            if isinstance(response.get(key), str):
                return response[key]
    return json.dumps(response, sort_keys=True)


def gemini_tool_results(body: Mapping[str, Any]) -> list[str]:
    """Texts of the ``functionResponse`` parts of the last content."""
    contents = _dicts(body.get("contents"))
    parts = _dicts(contents[-1].get("parts")) if contents else []
    responses = [
        p["functionResponse"] for p in parts if isinstance(p.get("functionResponse"), dict)
    ]
    return [function_response_text(r.get("response")) for r in responses]


def gemini_prompt(body: Mapping[str, Any]) -> Prompt:
    """Prompt of a Gemini generateContent request (``systemInstruction`` + ``contents``)."""
    instruction = body.get("systemInstruction")
    parts = instruction.get("parts") if isinstance(instruction, dict) else None
    contents = _dicts(body.get("contents"))
    prompt = _messages_prompt(_optional(content_text(parts)), contents, "parts")
    return _answering(prompt, gemini_tool_results(body))


# --------------------------------------------------------------------------- tools


@dataclass(frozen=True)
class ToolUse:
    """The fake model's call of one tool."""

    name: str
    arguments: dict[str, Any]

    @property
    def arguments_json(self) -> str:
        """The arguments as a JSON string (as OpenAI sends them)."""
        return json.dumps(self.arguments)

    @property
    def fragments(self) -> list[str]:
        """``arguments_json`` in streamed pieces of ``ARGUMENT_FRAGMENT`` characters."""
        text = self.arguments_json
        return [text[i : i + ARGUMENT_FRAGMENT] for i in range(0, len(text), ARGUMENT_FRAGMENT)]

    @property
    def tokens(self) -> int:
        """Output token count of the call."""
        return count_tokens(self.name + " " + self.arguments_json)


def tool_arguments(schema: Any) -> dict[str, Any]:
    """Deterministic arguments for a parameter schema: one value per property, by its type
    (``FAKE_ARGUMENT_VALUES``: string "echo", integer/number 1, boolean true, array [],
    object {}) or the first of its ``enum``. Gemini's upper-case type names work too."""
    properties = schema.get("properties") if isinstance(schema, dict) else None
    if not isinstance(properties, dict):
        return {}
    return {name: _fake_value(prop) for name, prop in properties.items()}


def _fake_value(schema: Any) -> Any:
    """The fake value of one property schema (None for unknown types)."""
    if not isinstance(schema, dict):
        return None
    enum = schema.get("enum")
    if isinstance(enum, list) and enum:
        return enum[0]
    kind = schema.get("type")
    if isinstance(kind, list):  # ["string", "null"]
        kind = next((k for k in kind if k != "null"), None)
    return FAKE_ARGUMENT_VALUES.get(str(kind).lower())


def pick_tool(
    tools: list[tuple[str, Any]], forced: str | None = None, disabled: bool = False
) -> ToolUse | None:
    """The call of the tool named ``forced`` (else the first of ``(name, schema)`` pairs)."""
    if disabled or not tools:
        return None
    name, schema = next((t for t in tools if t[0] == forced), tools[0])
    return ToolUse(name, tool_arguments(schema))


def chat_tool_use(body: Mapping[str, Any]) -> ToolUse | None:
    """The tool call an OpenAI chat request gets, None for a text reply."""
    messages = _dicts(body.get("messages"))
    if messages and messages[-1].get("role") == "tool":
        return None
    functions = [
        t["function"] for t in _dicts(body.get("tools")) if isinstance(t.get("function"), dict)
    ]
    tools = [(f["name"], f.get("parameters")) for f in functions if isinstance(f.get("name"), str)]
    choice = body.get("tool_choice")
    forced = choice.get("function") if isinstance(choice, dict) else None
    forced_name = forced.get("name") if isinstance(forced, dict) else None
    return pick_tool(tools, forced_name, disabled=choice == "none")


def anthropic_tool_use(body: Mapping[str, Any]) -> ToolUse | None:
    """The tool call an Anthropic Messages request gets, None for a text reply."""
    if anthropic_tool_results(body):
        return None
    tools = [(t["name"], t.get("input_schema")) for t in _dicts(body.get("tools")) if "name" in t]
    choice = body.get("tool_choice")
    choice = choice if isinstance(choice, dict) else {}
    return pick_tool(tools, choice.get("name"), disabled=choice.get("type") == "none")


def gemini_tool_use(body: Mapping[str, Any]) -> ToolUse | None:
    """The function call a Gemini request gets, None for a text reply."""
    if gemini_tool_results(body):
        return None
    declarations = [
        d for t in _dicts(body.get("tools")) for d in _dicts(t.get("functionDeclarations"))
    ]
    tools = [
        (d["name"], d.get("parametersJsonSchema") or d.get("parameters"))
        for d in declarations
        if isinstance(d.get("name"), str)
    ]
    tool_config = body.get("toolConfig")
    config = tool_config.get("functionCallingConfig") if isinstance(tool_config, dict) else None
    config = config if isinstance(config, dict) else {}
    allowed = config.get("allowedFunctionNames")
    forced = allowed[0] if isinstance(allowed, list) and allowed else None
    return pick_tool(tools, forced, disabled=config.get("mode") == "NONE")


# --------------------------------------------------------------------------- wire formats


@dataclass(frozen=True)
class Reply:
    """An HTTP answer; an event stream also lists its events (what ``body`` joins, or,
    for a generated stream whose ``body`` is empty, the only copy), for chunked sending."""

    status: int
    content_type: str
    body: bytes
    events: Iterable[bytes] | None = None


@dataclass(frozen=True)
class Call:
    """An incoming API request, already decoded."""

    path: str
    query: dict[str, list[str]]
    headers: Mapping[str, str]
    raw: bytes
    body: dict[str, Any]

    @property
    def usage(self) -> bool:
        """False when the test asked for usage to be left out."""
        return self.headers.get("x-fake-no-usage") != "1"

    @property
    def stream(self) -> bool:
        """True for a streaming request."""
        return self.body.get("stream") is True


def json_reply(payload: Any, status: int = 200) -> Reply:
    """A JSON reply."""
    return Reply(status, "application/json", json.dumps(payload).encode())


def sse_reply(events: Iterable[tuple[str | None, Any]], separator: str = "\n\n") -> Reply:
    """An SSE reply: ``event:`` line when named, then ``data:`` (JSON unless already a str)."""
    chunks = tuple(sse_event(name, data, separator) for name, data in events)
    return Reply(200, "text/event-stream", b"".join(chunks), chunks)


def sse_event(name: str | None, data: Any, separator: str = "\n\n") -> bytes:
    """One encoded SSE event (see ``sse_reply``)."""
    head = f"event: {name}\n" if name else ""
    text = data if isinstance(data, str) else json.dumps(data)
    return f"{head}data: {text}{separator}".encode()


def error_reply(provider: str, status: int, message: str) -> Reply:
    """A provider-shaped JSON error."""
    if provider == ANTHROPIC:
        default = "api_error" if status >= 500 else "invalid_request_error"
        kind = _ANTHROPIC_ERRORS.get(status, default)
        return json_reply({"type": "error", "error": {"type": kind, "message": message}}, status)
    if provider == GEMINI:
        code = _GEMINI_ERRORS.get(status, "UNKNOWN")
        return json_reply({"error": {"code": status, "message": message, "status": code}}, status)
    default = ("server_error", None) if status >= 500 else ("invalid_request_error", None)
    kind, code = _OPENAI_ERRORS.get(status, default)
    error = {"message": message, "type": kind, "param": None, "code": code}
    return json_reply({"error": error}, status)


def _new_id(prefix: str) -> str:
    """A random provider-style identifier."""
    return prefix + uuid.uuid4().hex[:24]


def _with_usage(call: Call, payload: dict[str, Any], key: str, usage: Any) -> dict[str, Any]:
    """``payload`` plus ``usage`` under ``key`` unless the call disabled usage."""
    return {**payload, key: usage} if call.usage else payload


# --------------------------------------------------------------------------- OpenAI


def openai_usage(prompt: Prompt, completion_tokens: int | None = None) -> dict[str, Any]:
    """Chat completions ``usage`` object (``completion_tokens`` defaults to the text reply's)."""
    completion = prompt.completion_tokens if completion_tokens is None else completion_tokens
    return {
        "prompt_tokens": prompt.prompt_tokens,
        "completion_tokens": completion,
        "total_tokens": prompt.prompt_tokens + completion,
        "prompt_tokens_details": {"cached_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": 0},
    }


def handle_chat(call: Call) -> Reply:
    """POST .../chat/completions."""
    prompt = chat_prompt(call.body)
    head = {
        "id": _new_id("chatcmpl-"),
        "created": int(time.time()),
        "model": call.body.get("model", ""),
        "system_fingerprint": None,
    }
    tool = chat_tool_use(call.body)
    if tool is not None:
        return _chat_tool_call(call, prompt, head, tool)
    if call.stream:
        size = call.headers.get("x-fake-stream-bytes", "")
        if size.isdigit():
            return sized_chat_stream(call, prompt, head, int(size))
        start = {"role": "assistant", "content": "", "refusal": None}
        deltas = [start] + [{"content": word} for word in split_words(prompt.reply)]
        return _chat_stream(call, head, deltas, "stop", openai_usage(prompt))
    message = {"role": "assistant", "content": prompt.reply, "refusal": None}
    choice = {"index": 0, "message": message, "logprobs": None, "finish_reason": "stop"}
    payload = {**head, "object": "chat.completion", "choices": [choice]}
    return json_reply(_with_usage(call, payload, "usage", openai_usage(prompt)))


def _chat_tool_call(call: Call, prompt: Prompt, head: dict[str, Any], tool: ToolUse) -> Reply:
    """A chat completion (or its stream) whose answer is one tool call."""
    call_id = _new_id("call_")
    usage = openai_usage(prompt, tool.tokens)
    if call.stream:
        function = {"name": tool.name, "arguments": ""}
        first = {"index": 0, "id": call_id, "type": "function", "function": function}
        start = {"role": "assistant", "content": None, "refusal": None, "tool_calls": [first]}
        deltas = [start] + [
            {"tool_calls": [{"index": 0, "function": {"arguments": fragment}}]}
            for fragment in tool.fragments
        ]
        return _chat_stream(call, head, deltas, "tool_calls", usage)
    function = {"name": tool.name, "arguments": tool.arguments_json}
    tool_calls = [{"id": call_id, "type": "function", "function": function}]
    message = {"role": "assistant", "content": None, "refusal": None, "tool_calls": tool_calls}
    choice = {"index": 0, "message": message, "logprobs": None, "finish_reason": "tool_calls"}
    payload = {**head, "object": "chat.completion", "choices": [choice]}
    return json_reply(_with_usage(call, payload, "usage", usage))


def _chat_stream(
    call: Call,
    head: dict[str, Any],
    deltas: list[dict[str, Any]],
    finish_reason: str,
    usage: dict[str, Any],
) -> Reply:
    """``chat.completion.chunk`` events, the optional usage chunk, then ``[DONE]``."""
    options = call.body.get("stream_options")
    include_usage = isinstance(options, dict) and options.get("include_usage") is True
    include_usage = include_usage and call.usage
    extra = {"usage": None} if include_usage else {}

    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
        return {**head, "object": "chat.completion.chunk", "choices": [choice], **extra}

    chunks = [chunk(delta) for delta in deltas]
    chunks.append(chunk({}, finish_reason))
    if include_usage:
        chunks.append({**head, "object": "chat.completion.chunk", "choices": [], "usage": usage})
    return sse_reply([(None, c) for c in chunks] + [(None, "[DONE]")])


def _include_usage(call: Call) -> bool:
    options = call.body.get("stream_options")
    include = isinstance(options, dict) and options.get("include_usage") is True
    return include and call.usage


def sized_chat_stream(call: Call, prompt: Prompt, head: dict[str, Any], total: int) -> Reply:
    """A chat completion stream of exactly ``total`` bytes (``x-fake-stream-bytes``), or the
    shortest one when ``total`` is smaller; its events are generated as they are sent."""
    include_usage = _include_usage(call)
    extra = {"usage": None} if include_usage else {}

    def chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
        data = {**head, "object": "chat.completion.chunk", "choices": [choice], **extra}
        return sse_event(None, data)

    first = chunk({"role": "assistant", "content": "", "refusal": None})
    empty = len(chunk({"content": ""}))

    def tail(pieces: int) -> list[bytes]:
        events = [chunk({}, "stop")]
        if include_usage:
            usage = openai_usage(prompt, pieces)
            data = {**head, "object": "chat.completion.chunk", "choices": [], "usage": usage}
            events.append(sse_event(None, data))
        return [*events, sse_event(None, "[DONE]")]

    pieces, budget = 0, 0
    for _ in range(5):  # the usage chunk's length depends on the count of pieces
        budget = total - len(first) - sum(map(len, tail(pieces)))
        count = max(1, -(-budget // STREAM_PIECE))
        count = count if budget - count * empty >= 2 * count else 0
        if count == pieces:
            break
        pieces = count
    ending = tail(pieces)

    def events() -> Iterator[bytes]:
        yield first
        if pieces:
            # each content is one word: a space then letters (one fake token each)
            base, extra_bytes = divmod(budget - pieces * empty, pieces)
            short, long = chunk({"content": " " + "x" * (base - 1)}), None
            for index in range(pieces):
                if index >= pieces - extra_bytes:
                    long = long or chunk({"content": " " + "x" * base})
                    yield long
                else:
                    yield short
        yield from ending

    return Reply(200, "text/event-stream", b"", events())


def handle_embeddings(call: Call) -> Reply:
    """POST .../embeddings (``encoding_format`` float or base64)."""
    raw_input = call.body.get("input", "")
    inputs = [raw_input] if isinstance(raw_input, str) else [str(i) for i in raw_input]
    as_base64 = call.body.get("encoding_format") == "base64"
    data = []
    for index, text in enumerate(inputs):
        vector: Any = embedding_vector(text)
        if as_base64:
            vector = base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()
        data.append({"object": "embedding", "index": index, "embedding": vector})
    tokens = count_tokens(prompt_text(*inputs))
    payload = {"object": "list", "data": data, "model": call.body.get("model", "")}
    usage = {"prompt_tokens": tokens, "total_tokens": tokens}
    return json_reply(_with_usage(call, payload, "usage", usage))


def responses_usage(prompt: Prompt) -> dict[str, Any]:
    """Responses API ``usage`` object."""
    return {
        "input_tokens": prompt.prompt_tokens,
        "output_tokens": prompt.completion_tokens,
        "total_tokens": prompt.prompt_tokens + prompt.completion_tokens,
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens_details": {"reasoning_tokens": 0},
    }


def handle_responses(call: Call) -> Reply:
    """POST .../responses."""
    prompt = responses_prompt(call.body)
    response: dict[str, Any] = {
        "id": _new_id("resp_"),
        "object": "response",
        "created_at": int(time.time()),
        "status": "completed",
        "error": None,
        "incomplete_details": None,
        "instructions": call.body.get("instructions"),
        "metadata": {},
        "model": call.body.get("model", ""),
        "output": [],
        "parallel_tool_calls": True,
        "temperature": 1.0,
        "tool_choice": "auto",
        "tools": [],
        "top_p": 1.0,
    }
    text_part = {"type": "output_text", "text": prompt.reply, "annotations": [], "logprobs": []}
    item = {
        "id": _new_id("msg_"),
        "type": "message",
        "status": "completed",
        "role": "assistant",
        "content": [text_part],
    }
    done = _with_usage(call, {**response, "output": [item]}, "usage", responses_usage(prompt))
    if call.stream:
        return _responses_stream(prompt, {**response, "status": "in_progress"}, item, done)
    return json_reply(done)


def _responses_stream(
    prompt: Prompt, pending: dict[str, Any], item: dict[str, Any], done: dict[str, Any]
) -> Reply:
    """The Responses API event sequence for a single text message."""
    part = item["content"][0]
    where = {"item_id": item["id"], "output_index": 0, "content_index": 0}
    empty_item = {**item, "status": "in_progress", "content": []}
    events: list[tuple[str, dict[str, Any]]] = [
        ("response.created", {"response": pending}),
        ("response.in_progress", {"response": pending}),
        ("response.output_item.added", {"output_index": 0, "item": empty_item}),
        ("response.content_part.added", {**where, "part": {**part, "text": ""}}),
    ]
    events += [
        ("response.output_text.delta", {**where, "delta": word, "logprobs": []})
        for word in split_words(prompt.reply)
    ]
    events += [
        ("response.output_text.done", {**where, "text": prompt.reply, "logprobs": []}),
        ("response.content_part.done", {**where, "part": part}),
        ("response.output_item.done", {"output_index": 0, "item": item}),
        ("response.completed", {"response": done}),
    ]
    return sse_reply(
        (name, {"type": name, "sequence_number": seq, **data})
        for seq, (name, data) in enumerate(events)
    )


def handle_speech(call: Call) -> Reply:
    """POST .../audio/speech: deterministic binary audio."""
    return Reply(200, "audio/mpeg", speech_bytes(str(call.body.get("input", ""))))


def multipart_fields(content_type: str, body: bytes) -> dict[str, bytes]:
    """Minimal multipart/form-data parser: field name -> raw bytes."""
    header = Message()
    header["content-type"] = content_type
    boundary = header.get_param("boundary")
    if not isinstance(boundary, str):
        return {}
    fields: dict[str, bytes] = {}
    for chunk in body.split(b"--" + boundary.encode())[1:]:
        if chunk.startswith(b"--"):
            break
        head, _, data = chunk.partition(b"\r\n\r\n")
        name = re.search(rb'\bname="([^"]*)"', head)
        if name:
            fields[name.group(1).decode()] = data.removesuffix(b"\r\n")
    return fields


def handle_transcriptions(call: Call) -> Reply:
    """POST .../audio/transcriptions (multipart): echoes the uploaded file size."""
    fields = multipart_fields(call.headers.get("content-type", ""), call.raw)
    if "file" not in fields:
        return error_reply(OPENAI, 400, "multipart field 'file' is required")
    return json_reply({"text": transcription_text(len(fields["file"]))})


# --------------------------------------------------------------------------- Anthropic


def anthropic_usage(input_tokens: int, output_tokens: int) -> dict[str, Any]:
    """Anthropic ``usage`` object."""
    return {
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0,
    }


def handle_messages(call: Call) -> Reply:
    """POST .../v1/messages: a text block, or a ``tool_use`` block when a tool is called."""
    prompt = anthropic_prompt(call.body)
    tool = anthropic_tool_use(call.body)
    if tool is None:
        block: dict[str, Any] = {"type": "text", "text": prompt.reply}
        stop_reason, output_tokens = "end_turn", prompt.completion_tokens
        empty_block: dict[str, Any] = {"type": "text", "text": ""}
        deltas = [{"type": "text_delta", "text": word} for word in split_words(prompt.reply)]
    else:
        block = {"type": "tool_use", "id": _new_id("toolu_"), "name": tool.name}
        empty_block = {**block, "input": {}}
        block["input"] = tool.arguments
        stop_reason, output_tokens = "tool_use", tool.tokens
        deltas = [{"type": "input_json_delta", "partial_json": f} for f in tool.fragments]
    message = {
        "id": _new_id("msg_"),
        "type": "message",
        "role": "assistant",
        "model": call.body.get("model", ""),
        "content": [block],
        "stop_reason": stop_reason,
        "stop_sequence": None,
    }
    if not call.stream:
        usage = anthropic_usage(prompt.prompt_tokens, output_tokens)
        return json_reply(_with_usage(call, message, "usage", usage))
    start = {**message, "content": [], "stop_reason": None}
    start = _with_usage(call, start, "usage", anthropic_usage(prompt.prompt_tokens, 1))
    final_usage = {"output_tokens": output_tokens}
    final_delta = {"delta": {"stop_reason": stop_reason, "stop_sequence": None}}
    final_delta = _with_usage(call, final_delta, "usage", final_usage)
    events: list[tuple[str, dict[str, Any]]] = [
        ("message_start", {"message": start}),
        ("content_block_start", {"index": 0, "content_block": empty_block}),
        ("ping", {}),
    ]
    events += [("content_block_delta", {"index": 0, "delta": delta}) for delta in deltas]
    events += [
        ("content_block_stop", {"index": 0}),
        ("message_delta", final_delta),
        ("message_stop", {}),
    ]
    return sse_reply((name, {"type": name, **data}) for name, data in events)


# --------------------------------------------------------------------------- Gemini


def gemini_model(path: str) -> str:
    """Model name from ``.../models/NAME:method``."""
    return path.rsplit("/", 1)[-1].split(":", 1)[0]


def gemini_usage(prompt: Prompt, candidates_tokens: int) -> dict[str, int]:
    """Gemini ``usageMetadata``."""
    return {
        "promptTokenCount": prompt.prompt_tokens,
        "candidatesTokenCount": candidates_tokens,
        "totalTokenCount": prompt.prompt_tokens + candidates_tokens,
    }


def _gemini_chunk(call: Call, prompt: Prompt, text: str, so_far: str, last: bool) -> dict[str, Any]:
    """One GenerateContentResponse carrying ``text``; ``so_far`` is the text sent until now."""
    return _gemini_response(call, prompt, [{"text": text}], count_tokens(so_far), last)


def _gemini_response(
    call: Call, prompt: Prompt, parts: list[dict[str, Any]], tokens: int, last: bool
) -> dict[str, Any]:
    """One GenerateContentResponse with ``parts``; ``tokens`` are the candidates' so far."""
    content = {"parts": parts, "role": "model"}
    candidate: dict[str, Any] = {"content": content, "index": 0}
    if last:
        candidate["finishReason"] = "STOP"
    usage = gemini_usage(prompt, tokens)
    payload = {"candidates": [candidate], "modelVersion": gemini_model(call.path)}
    payload = _with_usage(call, payload, "usageMetadata", usage)
    return {**payload, "responseId": _new_id("")}


def _gemini_call(call: Call, prompt: Prompt, tool: ToolUse) -> dict[str, Any]:
    """The GenerateContentResponse calling ``tool`` (Gemini sends a call in one piece)."""
    part = {"functionCall": {"name": tool.name, "args": tool.arguments}}
    return _gemini_response(call, prompt, [part], tool.tokens, last=True)


def handle_generate(call: Call) -> Reply:
    """POST ...:generateContent."""
    prompt = gemini_prompt(call.body)
    tool = gemini_tool_use(call.body)
    if tool is not None:
        return json_reply(_gemini_call(call, prompt, tool))
    return json_reply(_gemini_chunk(call, prompt, prompt.reply, prompt.reply, last=True))


def handle_stream_generate(call: Call) -> Reply:
    """POST ...:streamGenerateContent: SSE with ``alt=sse``, else a JSON array."""
    prompt = gemini_prompt(call.body)
    tool = gemini_tool_use(call.body)
    words = split_words(prompt.reply)
    chunks = [
        _gemini_chunk(call, prompt, word, "".join(words[: i + 1]), last=i == len(words) - 1)
        for i, word in enumerate(words)
    ]
    if tool is not None:
        chunks = [_gemini_call(call, prompt, tool)]
    if call.query.get("alt") == ["sse"]:
        return sse_reply(((None, c) for c in chunks), separator="\r\n\r\n")
    return json_reply(chunks)


def _gemini_embedding(request: Any) -> dict[str, Any]:
    """The ``ContentEmbedding`` of one EmbedContentRequest (``outputDimensionality`` honoured)."""
    request = request if isinstance(request, dict) else {}
    content = request.get("content")
    text = content_text(content.get("parts")) if isinstance(content, dict) else ""
    size = request.get("outputDimensionality")
    values = embedding_vector(text)
    return {"values": values[:size] if isinstance(size, int) and size > 0 else values}


def handle_embed(call: Call) -> Reply:
    """POST ...:embedContent."""
    return json_reply({"embedding": _gemini_embedding(call.body)})


def handle_batch_embed(call: Call) -> Reply:
    """POST ...:batchEmbedContents."""
    requests = call.body.get("requests")
    if not isinstance(requests, list) or not requests:
        return error_reply(GEMINI, 400, "'requests' must be a non-empty array")
    return json_reply({"embeddings": [_gemini_embedding(r) for r in requests]})


# --------------------------------------------------------------------------- dispatch


@dataclass(frozen=True)
class Route:
    """An API route matched on the end of the path."""

    suffix: str
    provider: str
    handler: Callable[[Call], Reply]
    json_body: bool = True


ROUTES = (
    Route("/chat/completions", OPENAI, handle_chat),
    Route("/embeddings", OPENAI, handle_embeddings),
    Route("/responses", OPENAI, handle_responses),
    Route("/audio/speech", OPENAI, handle_speech),
    Route("/audio/transcriptions", OPENAI, handle_transcriptions, json_body=False),
    Route("/v1/messages", ANTHROPIC, handle_messages),
    Route(":generateContent", GEMINI, handle_generate),
    Route(":streamGenerateContent", GEMINI, handle_stream_generate),
    Route(":embedContent", GEMINI, handle_embed),
    Route(":batchEmbedContents", GEMINI, handle_batch_embed),
)


def find_route(path: str) -> Route | None:
    """The route whose suffix ends ``path`` (query string excluded)."""
    return next((r for r in ROUTES if path.endswith(r.suffix)), None)


def _control_reply(provider: str, headers: Mapping[str, str]) -> Reply | None:
    """Reply forced by ``x-fake-status`` / ``x-fake-raw``, if any."""
    status_header = headers.get("x-fake-status")
    status = int(status_header) if status_header and status_header.isdigit() else None
    if status_header is not None and not (status and 200 <= status <= 599):
        return error_reply(provider, 400, f"invalid x-fake-status: {status_header!r}")
    raw = headers.get("x-fake-raw")
    if raw is not None:
        # http.server decodes header bytes as latin-1; re-encoding restores them exactly.
        return Reply(status or 200, "text/plain; charset=utf-8", raw.encode("latin-1"))
    if status is not None:
        return error_reply(provider, status, f"fake upstream error {status}")
    return None


def _parse_json(raw: bytes) -> dict[str, Any] | None:
    """The JSON object in ``raw``, or None when it is not one."""
    try:
        body = json.loads(raw)
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def respond(method: str, target: str, headers: Mapping[str, str], raw: bytes) -> Reply:
    """Answer one API request (everything but the journal); ``headers`` have lowercase names."""
    url = urlsplit(target)
    route = find_route(url.path) if method == "POST" else None
    provider = route.provider if route else OPENAI
    forced = _control_reply(provider, headers)
    if forced is not None:
        return forced
    if route is None:
        return error_reply(OPENAI, 404, f"Invalid URL ({method} {url.path})")
    body = _parse_json(raw) if route.json_body else {}
    if body is None:
        return error_reply(provider, 400, "request body is not a JSON object")
    return route.handler(Call(url.path, parse_qs(url.query), headers, raw, body))


# --------------------------------------------------------------------------- server


class Journal:
    """Thread-safe record of received requests."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[dict[str, Any]] = []

    def record(self, method: str, target: str, headers: Mapping[str, str], raw: bytes) -> None:
        """Append a request (body stored as base64)."""
        entry = {
            "method": method,
            "path": target,
            "headers": dict(headers),
            "body": base64.b64encode(raw).decode(),
        }
        with self._lock:
            self._entries.append(entry)

    def entries(self) -> list[dict[str, Any]]:
        """All requests, oldest first."""
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        """Forget every request."""
        with self._lock:
            self._entries.clear()


class FailureCounter:
    """Thread-safe count of requests per ``x-fake-key``, for ``x-fake-fail-times``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: dict[str, int] = {}

    def forced_failure(self, headers: Mapping[str, str]) -> dict[str, str]:
        """``headers``, with ``x-fake-status`` set when this request is to fail."""
        times = headers.get("x-fake-fail-times", "")
        if not times.isdigit():
            return dict(headers)
        key = headers.get("x-fake-key", "")
        with self._lock:
            seen = self._seen[key] = self._seen.get(key, 0) + 1
        if seen > int(times):
            return dict(headers)
        return {**headers, "x-fake-status": headers.get("x-fake-fail-status", "500")}


@dataclass
class Gate:
    """Where a gated stream stands (``x-fake-gate``); opened once, never shut again."""

    opened: threading.Event = field(default_factory=threading.Event)
    waiting: bool = False
    sent: int = 0
    outcome: str | None = None

    def state(self) -> dict[str, Any]:
        """The gate as ``GET /_fake/gates/NAME`` shows it."""
        return {
            "waiting": self.waiting,
            "released": self.opened.is_set(),
            "sent": self.sent,
            "outcome": self.outcome,
        }


class Gates:
    """Thread-safe gates by name, made when first named (by a stream or by the test)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._gates: dict[str, Gate] = {}

    def get(self, name: str) -> Gate:
        """The gate called ``name``."""
        with self._lock:
            return self._gates.setdefault(name, Gate())


@dataclass(frozen=True)
class StreamControls:
    """How to send an event stream (the ``x-fake-*`` streaming headers)."""

    chunked: bool = False
    pace_s: float = 0.0
    gate: str | None = None
    gate_after: int = 1
    gate_timeout_s: float = GATE_TIMEOUT_MS / 1000

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> StreamControls:
        """The controls of a request (lower-case header names)."""

        def number(name: str, default: int) -> int:
            raw = headers.get(name, "")
            return int(raw) if raw.isdigit() else default

        gate = headers.get("x-fake-gate") or None
        pace_ms = number("x-fake-pace-ms", 0)
        chunked = (
            headers.get("x-fake-chunked") == "1"
            or "x-fake-stream-bytes" in headers
            or gate is not None
            or pace_ms > 0
        )
        return cls(
            chunked=chunked,
            pace_s=pace_ms / 1000,
            gate=gate,
            gate_after=number("x-fake-gate-after", 1),
            gate_timeout_s=number("x-fake-gate-timeout-ms", GATE_TIMEOUT_MS) / 1000,
        )


class FakeUpstreamServer(ThreadingHTTPServer):
    """Threaded HTTP server owning the journal and the gates."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int]) -> None:
        self.journal = Journal()
        self.failures = FailureCounter()
        self.gates = Gates()
        super().__init__(address, FakeUpstreamHandler)

    @property
    def url(self) -> str:
        """Base URL of the server."""
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"


class FakeUpstreamHandler(BaseHTTPRequestHandler):
    """HTTP/1.1 handler: every response carries Content-Length, but an event stream sent
    chunked (``StreamControls``)."""

    protocol_version = "HTTP/1.1"
    server: FakeUpstreamServer

    def setup(self) -> None:
        """Small writes (one event) leave at once."""
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self) -> None:
        """Handle GET."""
        self._handle()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        """Keep stderr quiet."""

    def _handle(self) -> None:
        """Read the body, answer, send."""
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if urlsplit(self.path).path == JOURNAL_PATH:
            self._send(self._journal_reply())
            return
        if urlsplit(self.path).path.startswith(GATES_PATH):
            self._send(self._gate_reply())
            return
        headers = {name.lower(): value for name, value in self.headers.items()}
        self.server.journal.record(self.command, self.path, headers, raw)
        try:
            forced = self.server.failures.forced_failure(headers)
            reply = respond(self.command, self.path, forced, raw)
        except Exception as exc:  # a fake must answer, not drop the connection
            reply = error_reply(OPENAI, 500, f"fake upstream failure: {exc!r}")
        delay_ms = headers.get("x-fake-delay-ms", "")
        if delay_ms.isdigit():
            time.sleep(int(delay_ms) / 1000)
        controls = StreamControls.from_headers(headers)
        if controls.chunked and reply.events is not None:
            self._send_stream(reply, reply.events, controls)
        else:
            self._send(reply)

    def _gate_reply(self) -> Reply:
        """GET shows a gate, POST opens it."""
        name = urlsplit(self.path).path[len(GATES_PATH) :]
        if not name:
            return error_reply(OPENAI, 404, "no gate name")
        gate = self.server.gates.get(name)
        if self.command == "POST":
            gate.opened.set()
        elif self.command != "GET":
            return error_reply(OPENAI, 405, f"{self.command} not allowed on {GATES_PATH}")
        return json_reply({"name": name, **gate.state()})

    def _send_stream(self, reply: Reply, events: Iterable[bytes], controls: StreamControls) -> None:
        """Write the events chunked, one HTTP chunk each, paced and gated as asked."""
        gate = self.server.gates.get(controls.gate) if controls.gate else Gate()
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        try:
            for index, event in enumerate(events):
                if controls.gate and index == controls.gate_after:
                    gate.waiting = True
                    opened = gate.opened.wait(controls.gate_timeout_s)
                    gate.waiting = False
                    if not opened:
                        gate.outcome = "timed_out"
                        self.close_connection = True
                        return
                if index and controls.pace_s:
                    time.sleep(controls.pace_s)
                self.wfile.write(b"%X\r\n%s\r\n" % (len(event), event))
                gate.sent += 1
            self.wfile.write(b"0\r\n\r\n")
        except OSError:  # the reader went away (broken pipe, reset)
            gate.outcome = "client_gone"
            self.close_connection = True
            return
        gate.outcome = "completed"

    def _journal_reply(self) -> Reply:
        """GET lists the journal, DELETE clears it."""
        if self.command == "DELETE":
            self.server.journal.clear()
            return json_reply({"cleared": True})
        if self.command == "GET":
            return json_reply(self.server.journal.entries())
        return error_reply(OPENAI, 405, f"{self.command} not allowed on {JOURNAL_PATH}")

    def _send(self, reply: Reply) -> None:
        """Write status, headers and body."""
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)


def main(argv: list[str] | None = None) -> int:
    """Serve until SIGINT/SIGTERM; print the LISTENING line once ready."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    server = FakeUpstreamServer((args.host, args.port))
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    worker = threading.Thread(target=server.serve_forever, daemon=True)
    worker.start()
    print(f"{BANNER} {server.url}", flush=True)
    stop.wait()
    server.shutdown()
    server.server_close()
    return 0


# --------------------------------------------------------------------------- test helper


class FakeUpstreamProcess:
    """Runs ``python -m tests.fakes.upstream`` in a subprocess for the duration of a test."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, timeout: float = 10.0) -> None:
        self._command = [sys.executable, "-m", "tests.fakes.upstream"]
        self._command += ["--host", host, "--port", str(port)]
        self._timeout = timeout
        self._process: subprocess.Popen[str] | None = None
        self._stderr: Any = None
        self._url: str | None = None

    @property
    def url(self) -> str:
        """Base URL, e.g. http://127.0.0.1:54321."""
        if self._url is None:
            raise RuntimeError("fake upstream is not running")
        return self._url

    def start(self) -> FakeUpstreamProcess:
        """Launch the server and wait for its LISTENING line."""
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the process
        self._process = subprocess.Popen(
            self._command, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=self._stderr, text=True
        )
        line = self._read_banner(self._process)
        if not line.startswith(BANNER + " "):
            self._abort(self._process, f"no {BANNER} line within {self._timeout}s (got {line!r})")
        self._url = line.split()[1]
        return self

    def _read_banner(self, process: subprocess.Popen[str]) -> str:
        """First stdout line, or '' if it does not come in time."""
        lines: list[str] = []
        assert process.stdout is not None
        reader = threading.Thread(target=lambda: lines.append(process.stdout.readline()))
        reader.daemon = True
        reader.start()
        reader.join(self._timeout)
        return lines[0] if lines else ""

    def _abort(self, process: subprocess.Popen[str], reason: str) -> None:
        """Kill the process and raise with its stderr."""
        process.kill()
        process.wait()
        self._stderr.seek(0)
        stderr = self._stderr.read().decode(errors="replace")
        self._forget(process)
        raise RuntimeError(f"fake upstream failed to start: {reason}\nstderr:\n{stderr}")

    def stop(self) -> int | None:
        """Terminate the server, wait for it and return its exit code (None if not running)."""
        process = self._process
        if process is None:
            return None
        process.terminate()
        try:
            code = process.wait(timeout=self._timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            code = process.wait()
        self._forget(process)
        return code

    def _forget(self, process: subprocess.Popen[str]) -> None:
        """Close the pipes of an exited process and reset the state."""
        if process.stdout is not None:
            process.stdout.close()
        self._stderr.close()
        self._process, self._stderr, self._url = None, None, None

    def requests(self) -> list[dict[str, Any]]:
        """Journal entries, oldest first, with ``body`` decoded to bytes."""
        with urllib.request.urlopen(self.url + JOURNAL_PATH, timeout=self._timeout) as response:
            entries = json.load(response)
        return [{**entry, "body": base64.b64decode(entry["body"])} for entry in entries]

    def clear(self) -> None:
        """Empty the journal."""
        request = urllib.request.Request(self.url + JOURNAL_PATH, method="DELETE")
        with urllib.request.urlopen(request, timeout=self._timeout):
            pass

    def release(self, name: str) -> dict[str, Any]:
        """Open gate ``name`` (``x-fake-gate``); its state before the stream resumes."""
        request = urllib.request.Request(self.url + GATES_PATH + name, method="POST")
        with urllib.request.urlopen(request, timeout=self._timeout) as response:
            return dict(json.load(response))

    def gate(self, name: str) -> dict[str, Any]:
        """Where the stream gated by ``name`` stands: ``waiting``, ``released``, ``sent``
        (events written) and ``outcome`` (None while it runs)."""
        with urllib.request.urlopen(self.url + GATES_PATH + name, timeout=self._timeout) as r:
            return dict(json.load(r))

    def __enter__(self) -> FakeUpstreamProcess:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


if __name__ == "__main__":
    sys.exit(main())
