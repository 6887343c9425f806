"""Glue for the unified API (`/compat/chat/completions`, `/compat/embeddings`).

The client's OpenAI request is translated by chalicelib.compat into the provider's native
request; the proxy sends and logs that native exchange (usage is read from the native
answer), and the client gets the answer translated back to OpenAI's format. The cache
keeps that translated answer, so a hit is byte-identical (its usage is read from it).
"""

from __future__ import annotations

from collections.abc import Callable

from chalicelib.compat import (
    CompatError,
    Translation,
    error_body,
    translate_chat_request,
    translate_embeddings_request,
)
from chalicelib.edge import http_status
from chalicelib.errors import ApiError, BadRequest, NotFound
from chalicelib.jsontypes import JsonValue
from chalicelib.providers import ProviderRegistry
from chalicelib.proxy.exchange import Presenter, ProxyRequest, ProxyResponse
from chalicelib.validation import MAX_BODY_DEPTH, InvalidInput, check_unicode, load_json

COMPAT = "compat"
"""The provider slug of the unified API in gateway URLs."""

_ENDPOINTS: dict[tuple[str, ...], Callable[[JsonValue, ProviderRegistry], Translation]] = {
    ("chat", "completions"): translate_chat_request,
    ("embeddings",): translate_embeddings_request,
}


def translate(request: ProxyRequest, providers: ProviderRegistry) -> Translation:
    """The native request for a unified-API request to one of `providers`; BadRequest/NotFound
    when there is none."""
    translator = _ENDPOINTS.get(tuple(request.path_segments))
    if translator is None:
        paths = ", ".join("/".join(path) for path in _ENDPOINTS)
        raise NotFound(
            f"no unified API endpoint compat/{'/'.join(request.path_segments)}; known: {paths}"
        )
    if request.method != "POST":
        raise BadRequest(f"the unified API takes POST, not {request.method}")
    try:
        body: JsonValue = check_unicode(load_json(request.body or b"null", MAX_BODY_DEPTH))
    except InvalidInput as exc:
        raise BadRequest(f"the request body {exc}") from None
    try:
        return translator(body, providers)
    except CompatError as exc:
        raise BadRequest(exc.message) from exc


def presenter(translation: Translation) -> Presenter:
    """Presents the provider's answer (or a gateway error) in OpenAI's format."""

    def present(native: ProxyResponse) -> ProxyResponse:
        if native.chunks is not None:  # translated as it arrives
            status, content_type, chunks = translation.translate_stream(
                native.status, native.content_type, native.chunks
            )
            return ProxyResponse(status, {"Content-Type": content_type}, b"", chunks=chunks)
        status, content_type, body = translation.translate_response(
            native.status, native.content_type, native.body
        )
        return ProxyResponse(status, {"Content-Type": content_type}, body)

    return present


def openai_error(error: ApiError) -> ProxyResponse:
    """A gateway error in OpenAI's error shape, which OpenAI clients read."""
    status = http_status(error)
    body = error_body(status, error.message)
    return ProxyResponse(status, {"Content-Type": "application/json"}, body)
