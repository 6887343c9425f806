"""Gunicorn's own refusals (a request line over its limit, malformed headers, ...) in the
envelope rather than its HTML page, so that every error a client sees has the same shape.

Gunicorn answers those before any WSGI app runs, through `gunicorn.util.write_error`;
`install()` replaces that function in the process (the worker calls it by module
attribute). The message names the kind of problem, never the request's text.
"""

from __future__ import annotations

import json
import socket

from gunicorn import util

from chalicelib.edge import failure
from chalicelib.errors import ApiError, BadRequest, HttpError

MALFORMED = (
    "the request could not be read: its request line, headers or framing are malformed or"
    " over the server's limits (request line 4094 bytes)"
)


def error_for(status: int, reason: str) -> ApiError:
    """The ApiError answered for gunicorn's `status` and `reason`."""
    if status == 400:
        return BadRequest(MALFORMED)
    if status == 500:
        return ApiError("internal error")
    return HttpError(status, reason.lower())


def write_error(sock: socket.socket, status_int: int, reason: str, mesg: str) -> None:
    """`gunicorn.util.write_error`, with the envelope as the body (`mesg` is not sent)."""
    body = json.dumps(failure(error_for(status_int, reason))).encode()
    head = (
        f"HTTP/1.1 {status_int} {reason}\r\n"
        "Connection: close\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    util.write_nonblock(sock, head.encode("latin-1") + body)


def install() -> None:
    """Answer gunicorn's refusals in the envelope from now on, in this process."""
    util.write_error = write_error
