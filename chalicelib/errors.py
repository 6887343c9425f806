"""The project's exception hierarchy: errors the client sees, each with a clear message
(never a stack trace). Importable by every package; the HTTP status and Cloudflare code
of each error are its class attributes `status` and `code`."""

from __future__ import annotations


class ApiError(Exception):
    """An error the client should see: HTTP status, a stable code and a message."""

    status = 500
    code = 1000

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    @property
    def headers(self) -> dict[str, str]:
        """Response headers that belong to this error (none unless a subclass says)."""
        return {}


class BadRequest(ApiError):
    status = 400
    code = 1001


class Unauthorized(ApiError):
    status = 401
    code = 1002


class NotFound(ApiError):
    status = 404
    code = 1003


class UpstreamUnreachable(ApiError):
    status = 502
    code = 2001


class UpstreamTimeout(ApiError):
    status = 504
    code = 2002


class MethodNotAllowed(ApiError):
    """A known path asked with a method it does not take; `Allow` lists those it does."""

    status = 405
    code = 1004

    def __init__(self, allowed: list[str]) -> None:
        super().__init__("method not allowed on this path")
        self.allowed = allowed

    @property
    def headers(self) -> dict[str, str]:
        return {"Allow": ", ".join(self.allowed)}


class PayloadTooLarge(ApiError):
    status = 413
    code = 1005


class UnsupportedMediaType(ApiError):
    status = 415
    code = 1006


class HttpError(ApiError):
    """An HTTP-level refusal with its own status (malformed request line, ...)."""

    code = 1007

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class ServiceUnavailable(ApiError):
    """A store the answer depends on cannot be reached; the client may retry."""

    status = 503
    code = 1008
