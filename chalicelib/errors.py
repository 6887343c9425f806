"""The project's exception hierarchy: errors the client sees, each with a clear message
(never a stack trace). Importable by every package; the HTTP status and Cloudflare code
each error answers with belong to the HTTP edge (`chalicelib.edge.status`)."""

from __future__ import annotations


class ApiError(Exception):
    """An error the client should see, with its message (a bare one is a 500)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    @property
    def headers(self) -> dict[str, str]:
        """Response headers that belong to this error (none unless a subclass says)."""
        return {}


class BadRequest(ApiError):
    """The request is malformed or asks for something invalid."""


class Unauthorized(ApiError):
    """The request's credentials are missing or wrong."""


class NotFound(ApiError):
    """What the request names does not exist."""


class UpstreamUnreachable(ApiError):
    """The provider cannot be reached."""


class UpstreamTimeout(ApiError):
    """The provider did not answer in time."""


class MethodNotAllowed(ApiError):
    """A known path asked with a method it does not take; `Allow` lists those it does."""

    def __init__(self, allowed: list[str]) -> None:
        super().__init__("method not allowed on this path")
        self.allowed = allowed

    @property
    def headers(self) -> dict[str, str]:
        return {"Allow": ", ".join(self.allowed)}


class PayloadTooLarge(ApiError):
    """The request body is over the limit."""


class UnsupportedMediaType(ApiError):
    """The request body's Content-Type is not one taken."""


class HttpError(ApiError):
    """An HTTP-level refusal with its own status (malformed request line, ...)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class ServiceUnavailable(ApiError):
    """A store the answer depends on cannot be reached; the client may retry."""


class RateLimited(ApiError):
    """The gateway's rate limit is reached."""


class CompatError(ValueError):
    """A unified-API request that cannot be translated: a 400 for the client (raised by
    chalicelib.compat, answered as BadRequest by chalicelib.proxy.unified)."""

    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
