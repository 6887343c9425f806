"""The HTTP answer of each error: its status and its Cloudflare error code.

The errors themselves (`chalicelib.errors`) know nothing of HTTP; the edges that answer
them (the envelope, the Chalice glue, the data plane, the proxy's error presenters) read
their status and code here.
"""

from __future__ import annotations

from chalicelib.errors import (
    ApiError,
    BadRequest,
    HttpError,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    RateLimited,
    ServiceUnavailable,
    Unauthorized,
    UnsupportedMediaType,
    UpstreamTimeout,
    UpstreamUnreachable,
)

STATUS_AND_CODE: dict[type[ApiError], tuple[int, int]] = {
    ApiError: (500, 1000),
    BadRequest: (400, 1001),
    Unauthorized: (401, 1002),
    NotFound: (404, 1003),
    MethodNotAllowed: (405, 1004),
    PayloadTooLarge: (413, 1005),
    UnsupportedMediaType: (415, 1006),
    HttpError: (500, 1007),  # answers with the status it carries
    ServiceUnavailable: (503, 1008),
    UpstreamUnreachable: (502, 2001),
    UpstreamTimeout: (504, 2002),
    RateLimited: (429, 2003),
}
"""(HTTP status, Cloudflare code) of each error class; a subclass not listed answers as
its nearest listed base."""


def _status_and_code(error: ApiError) -> tuple[int, int]:
    for cls in type(error).__mro__:
        if cls in STATUS_AND_CODE:
            return STATUS_AND_CODE[cls]
    return STATUS_AND_CODE[ApiError]


def http_status(error: ApiError) -> int:
    """The HTTP status `error` is answered with."""
    if isinstance(error, HttpError):
        return error.status
    return _status_and_code(error)[0]


def error_code(error: ApiError) -> int:
    """The Cloudflare error code of `error` in the envelope."""
    return _status_and_code(error)[1]
