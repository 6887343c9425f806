"""A provider's native chat answer -> the OpenAI answer (JSON or a complete SSE body)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from chalicelib.compat.anthropic_response import AnthropicStream, anthropic_completion
from chalicelib.compat.errors import error_body, provider_error_body
from chalicelib.compat.google_response import GoogleStream, google_completion
from chalicelib.compat.openai_format import EVENT_STREAM, JSON, completion_to_chunks, sse_body
from chalicelib.proxy.sse import iter_sse_events

Answer = tuple[int, str, bytes]
"""HTTP status, content type and body."""


class StreamTranslator(Protocol):
    """Turns native stream documents into OpenAI chunks."""

    def feed(self, document: Any) -> list[dict[str, Any]]: ...

    def finish(self) -> list[dict[str, Any]]: ...


@dataclass(frozen=True)
class _Wire:
    completion: Callable[[dict[str, Any], str, int], dict[str, Any]]
    stream: Callable[[str, int, bool], StreamTranslator]


_WIRES = {
    "anthropic": _Wire(anthropic_completion, AnthropicStream),
    "google": _Wire(google_completion, GoogleStream),
}


@dataclass(frozen=True)
class ChatResponseTranslator:
    """Translates the answers to one translated chat request."""

    wire: str
    """"anthropic" or "google"."""
    model: str
    """The requested model, used when the answer does not name one."""
    created: int
    stream: bool
    include_usage: bool

    def __call__(self, status: int, content_type: str | None, body: bytes) -> Answer:
        """The OpenAI answer for a native one; non-2xx become OpenAI error bodies."""
        if not 200 <= status < 300:
            return status, JSON, provider_error_body(status, body)
        wire = _WIRES[self.wire]
        if (content_type or "").strip().lower().startswith(EVENT_STREAM):
            documents = [_loads(e.data) for e in iter_sse_events(body) if e.data != "[DONE]"]
            return status, EVENT_STREAM, self._stream(wire, documents)
        document = _loads(body)
        if isinstance(document, list) and self.wire == "google":  # stream without alt=sse
            return status, EVENT_STREAM, self._stream(wire, document)
        if not isinstance(document, dict):
            message = f"{self.wire} returned a response that is not a JSON object"
            return 502, JSON, error_body(502, message, "invalid_provider_response")
        payload = wire.completion(document, self.model, self.created)
        if self.stream:
            return status, EVENT_STREAM, sse_body(completion_to_chunks(payload, self.include_usage))
        return status, JSON, json.dumps(payload).encode()

    def _stream(self, wire: _Wire, documents: list[Any]) -> bytes:
        translator = wire.stream(self.model, self.created, self.include_usage)
        chunks = [chunk for document in documents for chunk in translator.feed(document)]
        return sse_body(chunks + translator.finish())


def _loads(text: str | bytes) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None
