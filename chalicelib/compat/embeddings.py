"""The unified embeddings endpoint: OpenAI `embeddings` <-> Gemini `batchEmbedContents`."""

from __future__ import annotations

import base64
import json
import struct
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from chalicelib.compat.chat_input import require_object
from chalicelib.compat.error_bodies import error_body, provider_error_body
from chalicelib.compat.openai_format import JSON
from chalicelib.compat.routing import google_model_path, openai_path, resolve_model
from chalicelib.compat.streaming import Answer
from chalicelib.compat.translation import Translation
from chalicelib.errors import CompatError
from chalicelib.jsontypes import JsonValue
from chalicelib.providers import GOOGLE_WIRE, OPENAI_WIRE, PROVIDERS, Provider, Wire

_ENCODINGS = ("float", "base64")


class EmbeddingsTranslation(Translation):
    """A translated `embeddings` request (never streamed)."""


def translate_embeddings_request(
    body: JsonValue, providers: Mapping[str, Provider] = PROVIDERS
) -> EmbeddingsTranslation:
    """Translate an OpenAI embeddings request whose `model` is `{provider}/{model}`, a
    provider of `providers` whose wire has an embeddings translator (else CompatError)."""
    body = require_object(body)
    provider, model = resolve_model(body.get("model"), providers)
    if "input" not in body or body["input"] in (None, "", []):
        raise CompatError("'input' is required")
    translate = _TRANSLATORS.get(provider.wire)
    if translate is None:
        raise CompatError(f"provider {provider.slug!r} has no embeddings API")
    return translate(provider, model, body)


def _openai_embeddings(
    provider: Provider, model: str, body: dict[str, Any]
) -> EmbeddingsTranslation:
    """The request as is, the model renamed."""
    return EmbeddingsTranslation(
        provider=provider.slug,
        model=model,
        wire=provider.wire,
        path_segments=openai_path(provider, "embeddings"),
        query=[],
        body=json.dumps({**body, "model": model}, ensure_ascii=False).encode(),
        stream=False,
    )


def _google_embeddings(
    provider: Provider, model: str, body: dict[str, Any]
) -> EmbeddingsTranslation:
    """A Gemini `batchEmbedContents` request, answered by `GoogleEmbeddingsResponder`."""
    texts = _texts(body["input"])
    dimensions = body.get("dimensions")
    if dimensions is not None and (
        isinstance(dimensions, bool) or not isinstance(dimensions, int) or dimensions < 1
    ):
        raise CompatError("'dimensions' must be a positive integer")
    encoding = body.get("encoding_format") or "float"
    if encoding not in _ENCODINGS:
        raise CompatError("'encoding_format' must be float or base64")
    extra = {"outputDimensionality": dimensions} if dimensions else {}
    requests = [
        {"model": f"models/{model}", "content": {"parts": [{"text": text}]}, **extra}
        for text in texts
    ]
    return EmbeddingsTranslation(
        provider=provider.slug,
        model=model,
        wire=provider.wire,
        path_segments=google_model_path(model, "batchEmbedContents"),
        query=[],
        body=json.dumps({"requests": requests}, ensure_ascii=False).encode(),
        stream=False,
        responder=GoogleEmbeddingsResponder(model, encoding == "base64"),
    )


def _texts(raw: Any) -> list[str]:
    texts = [raw] if isinstance(raw, str) else raw
    if not isinstance(texts, list) or not all(isinstance(t, str) and t for t in texts):
        raise CompatError("'input' must be a non-empty string or an array of them for google")
    return texts


@dataclass(frozen=True)
class GoogleEmbeddingsResponder:
    """Turns a `batchEmbedContents` answer into an OpenAI embeddings list."""

    model: str
    base64: bool
    """Encode vectors as base64 little-endian float32, as OpenAI does on request."""

    def __call__(self, status: int, content_type: str | None, body: bytes) -> Answer:
        """The OpenAI answer; non-2xx become OpenAI error bodies."""
        if not 200 <= status < 300:
            return status, JSON, provider_error_body(status, body)
        payload = _loads(body)
        vectors = _vectors(payload)
        if vectors is None:
            message = "google returned an embeddings response without embeddings"
            return 502, JSON, error_body(502, message, "invalid_provider_response")
        data = [
            {"object": "embedding", "index": index, "embedding": self._encode(vector)}
            for index, vector in enumerate(vectors)
        ]
        tokens = _prompt_tokens(payload)
        usage = {"prompt_tokens": tokens, "total_tokens": tokens}
        answer = {"object": "list", "data": data, "model": self.model, "usage": usage}
        return status, JSON, json.dumps(answer).encode()

    def _encode(self, vector: list[float]) -> list[float] | str:
        if not self.base64:
            return vector
        return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()


def _loads(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        return None


def _vectors(payload: Any) -> list[list[float]] | None:
    """The `values` of each embedding, None when the answer does not carry them."""
    embeddings = payload.get("embeddings") if isinstance(payload, dict) else None
    if not isinstance(embeddings, list):
        return None
    vectors = [e.get("values") if isinstance(e, dict) else None for e in embeddings]
    if not all(isinstance(v, list) and all(_is_number(x) for x in v) for v in vectors):
        return None
    return vectors  # type: ignore[return-value]


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _prompt_tokens(payload: dict[str, Any]) -> int:
    """Input tokens when Google reports them (`usageMetadata.promptTokenCount`), else 0.

    OpenAI's schema requires a usage object; Gemini's embedding answers usually carry none.
    """
    metadata = payload.get("usageMetadata")
    count = metadata.get("promptTokenCount") if isinstance(metadata, dict) else None
    return count if isinstance(count, int) and not isinstance(count, bool) else 0


_TRANSLATORS: dict[Wire, Callable[[Provider, str, dict[str, Any]], EmbeddingsTranslation]] = {
    OPENAI_WIRE: _openai_embeddings,
    GOOGLE_WIRE: _google_embeddings,
}
"""Embeddings translators by wire format; a wire without one has no unified embeddings API."""
