"""The unified chat endpoint: an OpenAI request in, the provider's native request out."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from chalicelib.compat.chat_input import (
    check_messages,
    check_stream,
    parse_chat_request,
    require_object,
)
from chalicelib.compat.chat_response import ChatResponseTranslator
from chalicelib.compat.dialects import chat_dialect
from chalicelib.compat.openai_format import JSON
from chalicelib.compat.provider_headers import provider_headers
from chalicelib.compat.routing import openai_path, resolve_model
from chalicelib.compat.streaming import Answer, StreamedAnswer, buffered
from chalicelib.jsontypes import JsonValue
from chalicelib.providers import OPENAI_WIRE, PROVIDERS, Provider, Wire

Responder = Callable[[int, str | None, bytes], Answer]


def passthrough(status: int, content_type: str | None, body: bytes) -> Answer:
    """The answer of an OpenAI-compatible provider, unchanged."""
    return status, content_type or JSON, body


@dataclass(frozen=True)
class Translation:
    """Where and what to send upstream for one unified-API request, and how to answer."""

    provider: str
    """Provider slug, a key of the registry the model was resolved in."""
    model: str
    """The bare model name (without the provider prefix)."""
    wire: Wire
    """The provider's wire format."""
    path_segments: list[str]
    """Path appended to the provider's base URL."""
    query: list[tuple[str, str]]
    body: bytes
    """The native JSON request body."""
    stream: bool
    """True when the client asked for a stream (the answer is then an SSE body)."""
    responder: Responder = field(default=passthrough, repr=False, compare=False)

    def translate_headers(self, headers: Mapping[str, str]) -> dict[str, str]:
        """The client's headers as the provider expects them (auth header, version, JSON)."""
        return provider_headers(self.wire, headers)

    def translate_response(
        self, status: int, content_type: str | None, body: bytes
    ) -> tuple[int, str, bytes]:
        """The OpenAI answer (status, content type, body) for the provider's complete answer."""
        return self.responder(status, content_type, body)

    def translate_stream(
        self, status: int, content_type: str | None, chunks: Iterator[bytes]
    ) -> StreamedAnswer:
        """The OpenAI answer for the provider's answer arriving in `chunks`. Here `chunks` is
        read whole, then closed: these answers are never streamed."""
        return buffered(self.responder, status, content_type, chunks)


class ChatTranslation(Translation):
    """A translated `chat/completions` request."""

    def translate_stream(
        self, status: int, content_type: str | None, chunks: Iterator[bytes]
    ) -> StreamedAnswer:
        """Translated as it arrives (`ChatResponseTranslator.translate_stream`); an
        OpenAI-compatible provider's answer passes through."""
        if isinstance(self.responder, ChatResponseTranslator):
            return self.responder.translate_stream(status, content_type, chunks)
        return status, content_type or JSON, chunks


def translate_chat_request(
    body: JsonValue, providers: Mapping[str, Provider] = PROVIDERS, created: int | None = None
) -> ChatTranslation:
    """Translate an OpenAI chat completion request whose `model` is `{provider}/{model}`,
    a provider of `providers`.

    OpenAI-wire providers get the request as is (model renamed); the others get it in their
    wire's dialect (`chalicelib.compat.dialects`). `created` (Unix seconds) stamps translated
    answers; it defaults to now. Raise CompatError for requests that cannot be translated.
    """
    request_body = require_object(body)
    provider, model = resolve_model(request_body.get("model"), providers)
    if provider.wire is OPENAI_WIRE:
        check_messages(request_body)
        native = {**request_body, "model": model}
        return ChatTranslation(
            provider=provider.slug,
            model=model,
            wire=provider.wire,
            path_segments=openai_path(provider, "chat", "completions"),
            query=[],
            body=_encode(native),
            stream=check_stream(request_body),
        )
    dialect = chat_dialect(provider)
    request = parse_chat_request(request_body, model)
    respond = ChatResponseTranslator(
        wire=provider.wire,
        dialect=dialect,
        model=model,
        created=int(time.time()) if created is None else created,
        stream=request.stream,
        include_usage=request.include_usage,
    )
    path, query, native = dialect.request(request, model)
    return ChatTranslation(
        provider=provider.slug,
        model=model,
        wire=provider.wire,
        path_segments=path,
        query=query,
        body=_encode(native),
        stream=request.stream,
        responder=respond,
    )


def _encode(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False).encode()
