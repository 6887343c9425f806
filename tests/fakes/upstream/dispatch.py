"""Which wire format answers a request: routes matched on the end of the path, and the
replies forced by the ``x-fake-status`` / ``x-fake-raw`` control headers."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.fakes.upstream.anthropic import handle_messages
from tests.fakes.upstream.google import (
    handle_batch_embed,
    handle_embed,
    handle_generate,
    handle_stream_generate,
)
from tests.fakes.upstream.openai import (
    handle_chat,
    handle_embeddings,
    handle_responses,
    handle_speech,
    handle_transcriptions,
)
from tests.fakes.upstream.wire import ANTHROPIC, GEMINI, OPENAI, Call, Reply, error_reply


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
