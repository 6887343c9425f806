"""OpenAI-shaped error bodies: the unified API's own errors and providers' errors re-shaped
(the error type it raises, CompatError, is in chalicelib.errors)."""

from __future__ import annotations

import json
from typing import Any

_MAX_MESSAGE = 500
"""Longest excerpt of a non-JSON provider error kept in the message."""

_TYPES_BY_STATUS = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    408: "timeout_error",
    409: "conflict_error",
    413: "invalid_request_error",
    422: "invalid_request_error",
    429: "rate_limit_error",
}


def error_type(status: int) -> str:
    """The OpenAI error `type` for an HTTP status."""
    if status >= 500:
        return "server_error"
    return _TYPES_BY_STATUS.get(status, "invalid_request_error")


def error_body(status: int, message: str, code: str | None = None) -> bytes:
    """An OpenAI error body: `{"error": {"message", "type", "param", "code"}}`."""
    error = {"message": message, "type": error_type(status), "param": None, "code": code}
    return json.dumps({"error": error}).encode()


def provider_error_body(status: int, body: bytes) -> bytes:
    """Re-shape a provider's (non-2xx) error body as an OpenAI error body.

    Understands Anthropic (`{"type": "error", "error": {"type", "message"}}`), Google
    (`{"error": {"code", "message", "status"}}`) and OpenAI shapes; `code` carries the
    provider's own error kind. Anything else becomes a message quoting the body.
    """
    message, code = _native_error(body)
    if message is None:
        text = body.decode("utf-8", errors="replace").strip()[:_MAX_MESSAGE]
        message = f"provider returned HTTP {status}" + (f": {text}" if text else "")
    return error_body(status, message, code)


def _native_error(body: bytes) -> tuple[str | None, str | None]:
    """Message and provider error kind of a JSON error body, (None, None) when not one."""
    try:
        payload: Any = json.loads(body)
    except (ValueError, RecursionError):
        return None, None
    if isinstance(payload, list) and payload:  # Google streams errors as a JSON array
        payload = payload[0]
    error = payload.get("error") if isinstance(payload, dict) else None
    if isinstance(error, str):
        return error, None
    if not isinstance(error, dict) or not isinstance(error.get("message"), str):
        return None, None
    kind = error.get("type") or error.get("status") or error.get("code")
    return error["message"], str(kind) if kind is not None else None
