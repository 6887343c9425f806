"""The Cloudflare API envelope: {success, errors, messages, result, result_info}."""

from __future__ import annotations

from typing import Any

from chalicelib.edge.status import error_code
from chalicelib.errors import ApiError


def success(result: Any, result_info: dict[str, Any] | None = None) -> dict[str, Any]:
    """Envelope of a successful answer."""
    body: dict[str, Any] = {"success": True, "errors": [], "messages": [], "result": result}
    if result_info is not None:
        body["result_info"] = result_info
    return body


def failure(error: ApiError) -> dict[str, Any]:
    """Envelope of a failed answer."""
    return {
        "success": False,
        "errors": [{"code": error_code(error), "message": error.message}],
        "messages": [],
        "result": None,
    }
