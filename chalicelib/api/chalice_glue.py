"""What app.py needs from Chalice beyond routes: a thread-safe app and response helpers."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from functools import wraps
from typing import Any

from chalice import Chalice, Response

from chalicelib.api.envelope import failure
from chalicelib.api.errors import ApiError

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
    """Chalice whose `current_request` is per thread.

    `chalice local` serves requests on several threads but keeps `current_request`
    on the shared app object; without this, concurrent requests can read each other's.
    """

    _local = threading.local()

    @property  # type: ignore[override]
    def current_request(self) -> Any:
        return getattr(self._local, "request", None)

    @current_request.setter
    def current_request(self, value: Any) -> None:
        self._local.request = value


def json_response(body: dict[str, Any], status: int = 200) -> Response:
    """A JSON response with the Content-Type spelled the way `chalice local` expects."""
    return Response(
        body=json.dumps(body), status_code=status, headers={"Content-Type": "application/json"}
    )


def error_response(error: ApiError) -> Response:
    """The envelope of an ApiError."""
    return json_response(failure(error), error.status)


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
    """Turn ApiError into its envelope and any other exception into a bare 500 envelope."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Response:
        try:
            return view(*args, **kwargs)
        except ApiError as exc:
            return error_response(exc)
        except Exception:
            logger.exception("unhandled error in %s", view.__name__)
            return error_response(ApiError("internal error"))

    return wrapper
