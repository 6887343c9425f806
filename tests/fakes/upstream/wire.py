"""What every wire format shares: the fake model (prompts, replies, token counts, tool
calls), decoded requests, replies (JSON, SSE, provider-shaped errors)."""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

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
        return " ".join(p["text"] for p in dicts(content) if isinstance(p.get("text"), str))
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


def dicts(value: Any) -> list[dict[str, Any]]:
    """The dict items of a list (anything else gives an empty list)."""
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def messages_prompt(system: tuple[str, ...], messages: list[dict[str, Any]], key: str) -> Prompt:
    """Prompt from role-tagged messages whose text lives under ``key``."""
    texts = [content_text(m.get(key)) for m in messages]
    users = [content_text(m.get(key)) for m in messages if m.get("role", "user") == "user"]
    return Prompt(system + tuple(texts), users[-1] if users else "")


def optional_text(text: Any) -> tuple[str, ...]:
    """A one-element tuple for a non-empty system text, else empty."""
    return (text,) if isinstance(text, str) and text else ()


def answering(prompt: Prompt, results: list[str]) -> Prompt:
    """``prompt`` answering the tool ``results`` of the last turn, when there are any."""
    return replace(prompt, last_user=" ".join(results)) if results else prompt


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


# --------------------------------------------------------------------------- replies


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


def new_id(prefix: str) -> str:
    """A random provider-style identifier."""
    return prefix + uuid.uuid4().hex[:24]


def with_usage(call: Call, payload: dict[str, Any], key: str, usage: Any) -> dict[str, Any]:
    """``payload`` plus ``usage`` under ``key`` unless the call disabled usage."""
    return {**payload, key: usage} if call.usage else payload
