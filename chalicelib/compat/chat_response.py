"""A provider's native chat answer -> the OpenAI answer (JSON or SSE, whole or streamed)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from chalicelib.compat.dialects import ChatDialect, StreamTranslator
from chalicelib.compat.error_bodies import error_body, provider_error_body
from chalicelib.compat.openai_format import (
    EVENT_STREAM,
    JSON,
    SSE_DONE,
    completion_to_chunks,
    sse_body,
    sse_events,
)
from chalicelib.compat.streaming import Answer, StreamedAnswer, buffered, close_source
from chalicelib.providers import SseDecoder, SseEvent, Wire, is_event_stream


@dataclass(frozen=True)
class ChatResponseTranslator:
    """Translates the answers to one translated chat request."""

    wire: Wire
    dialect: ChatDialect
    """The translators of `wire`."""
    model: str
    """The requested model, used when the answer does not name one."""
    created: int
    stream: bool
    include_usage: bool

    def __call__(self, status: int, content_type: str | None, body: bytes) -> Answer:
        """The OpenAI answer for a native one; non-2xx become OpenAI error bodies."""
        if not 200 <= status < 300:
            return status, JSON, provider_error_body(status, body)
        if is_event_stream(content_type):
            return status, EVENT_STREAM, b"".join(self._translate_events(iter((body,))))
        document = _loads(body)
        if isinstance(document, list) and self.dialect.array_streams:  # e.g. without alt=sse
            return status, EVENT_STREAM, self._stream(document)
        if not isinstance(document, dict):
            message = f"{self.wire.name} returned a response that is not a JSON object"
            return 502, JSON, error_body(502, message, "invalid_provider_response")
        payload = self.dialect.completion(document, self.model, self.created)
        if self.stream:
            return status, EVENT_STREAM, sse_body(completion_to_chunks(payload, self.include_usage))
        return status, JSON, json.dumps(payload).encode()

    def translate_stream(
        self, status: int, content_type: str | None, chunks: Iterator[bytes]
    ) -> StreamedAnswer:
        """The OpenAI answer for a native one whose body arrives in `chunks`.

        A 2xx event stream is translated as it arrives: the body is a generator that yields
        what each source chunk completes (nothing when it completes no event), reads no
        further ahead, and closes `chunks` when it ends or is closed. Any other answer (an
        error, JSON, Google's stream without `alt=sse`, one JSON array) is read whole and
        translated as by `__call__`.
        """
        if 200 <= status < 300 and is_event_stream(content_type):
            return status, EVENT_STREAM, self._translate_events(chunks)
        return buffered(self, status, content_type, chunks)

    def _translate_events(self, chunks: Iterator[bytes]) -> Iterator[bytes]:
        translator = self.dialect.stream(self.model, self.created, self.include_usage)
        decoder = SseDecoder()
        try:
            for chunk in chunks:
                if rendered := _render(translator, decoder.feed(chunk)):
                    yield rendered
            ending = _render(translator, decoder.finish()) + sse_events(translator.finish())
            yield ending + SSE_DONE
        finally:
            close_source(chunks)

    def _stream(self, documents: list[Any]) -> bytes:
        translator = self.dialect.stream(self.model, self.created, self.include_usage)
        chunks = [chunk for document in documents for chunk in translator.feed(document)]
        return sse_body(chunks + translator.finish())


def _render(translator: StreamTranslator, events: Iterable[SseEvent]) -> bytes:
    """The OpenAI events for some native ones (a `[DONE]` event is not translated)."""
    documents = (_loads(event.data) for event in events if event.data != "[DONE]")
    return sse_events(chunk for document in documents for chunk in translator.feed(document))


def _loads(text: str | bytes) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None
