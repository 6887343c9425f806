"""How the unified chat endpoint speaks each translated wire format, keyed by its `Wire`.

OpenAI's wire needs no dialect (its requests and answers pass through); a wire format
without a dialect has no unified chat API (`chat_dialect` raises).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from chalicelib.compat.anthropic_request import anthropic_body
from chalicelib.compat.anthropic_response import AnthropicStream, anthropic_completion
from chalicelib.compat.chat_input import ChatRequest
from chalicelib.compat.google_request import google_body
from chalicelib.compat.google_response import GoogleStream, google_completion
from chalicelib.compat.routing import google_model_path
from chalicelib.errors import CompatError
from chalicelib.providers import ANTHROPIC_WIRE, GOOGLE_WIRE, Provider, Wire

NativeRequest = tuple[list[str], list[tuple[str, str]], dict[str, Any]]
"""Path segments (relative to the provider's base URL), query and JSON body."""


class StreamTranslator(Protocol):
    """Turns native stream documents into OpenAI chunks."""

    def feed(self, document: Any) -> list[dict[str, Any]]: ...

    def finish(self) -> list[dict[str, Any]]: ...


@dataclass(frozen=True)
class ChatDialect:
    """Translators between OpenAI chat completions and one native wire format."""

    request: Callable[[ChatRequest, str], NativeRequest]
    """The native request for a validated chat request and the bare model name."""
    completion: Callable[[dict[str, Any], str, int], dict[str, Any]]
    """The OpenAI completion for a native answer, the requested model and `created`."""
    stream: Callable[[str, int, bool], StreamTranslator]
    """A translator of native stream documents (model, created, include_usage)."""
    array_streams: bool = False
    """Streams may come as one JSON array of documents (Gemini without `alt=sse`)."""


def _anthropic_request(request: ChatRequest, model: str) -> NativeRequest:
    return ["v1", "messages"], [], anthropic_body(request)


def _google_request(request: ChatRequest, model: str) -> NativeRequest:
    method = "streamGenerateContent" if request.stream else "generateContent"
    query = [("alt", "sse")] if request.stream else []
    return google_model_path(model, method), query, google_body(request)


CHAT_DIALECTS: dict[Wire, ChatDialect] = {
    ANTHROPIC_WIRE: ChatDialect(_anthropic_request, anthropic_completion, AnthropicStream),
    GOOGLE_WIRE: ChatDialect(_google_request, google_completion, GoogleStream, array_streams=True),
}


def chat_dialect(provider: Provider) -> ChatDialect:
    """The dialect of the provider's wire; CompatError when the unified API has none."""
    dialect = CHAT_DIALECTS.get(provider.wire)
    if dialect is None:
        raise CompatError(
            f"provider {provider.slug!r} ({provider.wire.name} wire) has no unified chat API"
        )
    return dialect
