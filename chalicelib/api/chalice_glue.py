"""What app.py needs from Chalice beyond routes: a thread-safe app and response helpers."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from functools import wraps
from http import HTTPStatus
from typing import Any

from chalice.app import Chalice, Request, Response

from chalicelib import telemetry
from chalicelib.edge import as_api_error, check_size, decode_params, failure, http_status
from chalicelib.errors import (
    ApiError,
    BadRequest,
    HttpError,
    MethodNotAllowed,
    UnsupportedMediaType,
)

logger = logging.getLogger(__name__)

BINARY_TYPES = [
    "application/octet-stream",
    "multipart/form-data",
    "audio/mpeg",
    "audio/mp3",
    "audio/wav",
    "audio/x-wav",
    "audio/flac",
    "audio/aac",
    "audio/ogg",
    "audio/opus",
    "audio/pcm",
    "audio/webm",
    "image/png",
    "image/jpeg",
    "image/webp",
    "image/gif",
]
"""Bodies relayed as bytes (API Gateway binaryMediaTypes); everything else is text."""


class ThreadSafeChalice(Chalice):
    """Chalice whose `current_request` is per thread, and whose logger is the service's.

    `chalice local` serves requests on several threads but keeps `current_request`
    on the shared app object; without this, concurrent requests can read each other's.
    Chalice's logger is named after the app, as chalicelib.telemetry's Powertools logger
    is named after the service ("ai-gateway"): one logger, so Chalice's own error lines are
    JSON too, and Chalice must not set its level (its `debug` flag would set ERROR and
    silence the gateway's info lines); POWERTOOLS_LOG_LEVEL does.
    """

    _local = threading.local()

    def __init__(self, app_name: str) -> None:
        super().__init__(app_name, configure_logs=False)

    def _configure_log_level(self) -> None:
        """Leave the level to Powertools (see the class docstring)."""

    @property
    def current_request(self) -> Request | None:
        request: Request | None = getattr(self._local, "request", None)
        return request

    @current_request.setter
    def current_request(self, value: Request | None) -> None:
        self._local.request = value


def json_response(body: dict[str, Any], status: int = 200) -> Response:
    """A JSON response with the Content-Type spelled the way `chalice local` expects."""
    return Response(
        body=json.dumps(body), status_code=status, headers={"Content-Type": "application/json"}
    )


def error_response(error: ApiError) -> Response:
    """The envelope of an ApiError, with the headers that belong to it."""
    response = json_response(failure(error), http_status(error))
    response.headers.update(error.headers)
    return response


def body_for(content_type: str | None, body: bytes) -> bytes | str:
    """Chalice wants bytes for binary types and text for the rest."""
    if is_binary(content_type):
        return body
    return body.decode("utf-8", errors="replace")


def is_binary(content_type: str | None) -> bool:
    """True when `content_type` is relayed as raw bytes."""
    base = (content_type or "").split(";", 1)[0].strip().lower()
    return base in BINARY_TYPES


def api_errors(view: Callable[..., Response]) -> Callable[..., Response]:
    """Decode and validate the path parameters (`paths.decode_params`), then run the view;
    ApiError becomes its envelope, any other exception a 503 or 500 envelope
    (`failures.as_api_error`)."""

    @wraps(view)
    def wrapper(**params: str) -> Response:
        try:
            return view(**decode_params(params))
        except Exception as exc:
            return error_response(as_api_error(exc, view.__name__))

    return wrapper


ROUTE_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
"""Methods a route path answers: its own, or 405 for the others."""


def refuse_other_methods(app: Chalice) -> None:
    """Give every route path a 405 view (in the envelope, with `Allow`) for the methods of
    ROUTE_METHODS it lacks. Call it once all routes are registered: API Gateway would
    otherwise answer a wrong method as it answers an unknown path."""
    for index, (path, views) in enumerate(sorted(app.routes.items())):
        missing = [method for method in ROUTE_METHODS if method not in views]
        if missing:
            app.route(path, methods=missing, content_types=["*/*"], name=f"not_allowed_{index}")(
                _not_allowed(sorted(views))
            )


def _not_allowed(allowed: list[str]) -> Callable[..., Response]:
    def view(**_params: str) -> Response:
        return error_response(MethodNotAllowed(allowed))

    return view


def envelope_errors(request: Request, get_response: Callable[[Request], Response]) -> Response:
    """Middleware: answers Chalice gives itself (`{"Code", "Message"}`: 415, 400, 500, ...)
    in the envelope instead, without their messages (which may echo a request header)."""
    response = get_response(request)
    body = response.body
    if isinstance(body, dict) and set(body) == {"Code", "Message"}:
        return error_response(_chalice_error(response.status_code))
    return response


def _chalice_error(status: int) -> ApiError:
    if status == 415:
        return UnsupportedMediaType("unsupported Content-Type: this route takes application/json")
    if status == 400:
        return BadRequest("the answer is binary: send an Accept header naming its type")
    if status >= 500:
        return ApiError("internal error")
    return HttpError(status, HTTPStatus(status).phrase.lower())


def body_limit(limit: Callable[[], int]) -> Callable[..., Response]:
    """Middleware refusing request bodies over `limit()` bytes with 413 in the envelope."""

    def refuse_large(request: Request, get_response: Callable[[Request], Response]) -> Response:
        try:
            check_size(len(request.raw_body or b""), limit())
        except ApiError as exc:
            return error_response(exc)
        return get_response(request)

    return refuse_large


def observed(event: Any, get_response: Callable[[Any], Any]) -> Any:
    """Middleware for every event: log lines carry the invocation's request id, the event
    is an X-Ray subsegment, and what it counted is published when it is handled
    (chalicelib.telemetry)."""
    request_id = _request_id(event)
    if request_id:
        telemetry.correlate(request_id=request_id)
    try:
        with telemetry.traced(f"## {_event_name(event)}"):
            return get_response(event)
    finally:
        telemetry.flush()
        telemetry.forget("request_id", "log_id")


def _event_name(event: Any) -> str:
    """What handled the event: the route's method and path pattern for an HTTP request
    (never the concrete path, which holds account and log ids), else the event's kind."""
    context = getattr(event, "context", None)
    if isinstance(context, dict) and isinstance(context.get("resourcePath"), str):
        return f"{getattr(event, 'method', '')} {context['resourcePath']}".strip()
    return type(event).__name__


def _request_id(event: Any) -> str | None:
    """The id of the invocation: API Gateway's request id for an HTTP request, else the
    Lambda request id of the event's context (SQS, schedules)."""
    context = getattr(event, "context", None)
    if isinstance(context, dict):
        request_id = context.get("requestId")
        return request_id if isinstance(request_id, str) else None
    request_id = getattr(context, "aws_request_id", None)
    return request_id if isinstance(request_id, str) else None
