"""Errors that map to a 4xx/5xx answer with a clear message (never a stack trace)."""

from __future__ import annotations


class ApiError(Exception):
    """An error the client should see: HTTP status, a stable code and a message."""

    status = 500
    code = 1000

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


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


class ServiceUnavailable(ApiError):
    """A store the answer depends on cannot be reached; the client may retry."""

    status = 503
    code = 1004
