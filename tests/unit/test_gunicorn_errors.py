"""Gunicorn's own refusals are answered in the envelope (dataplane/gunicorn_errors.py)."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import pytest
from gunicorn import util
from gunicorn.workers import base

from chalicelib.dataplane import gunicorn_errors


@pytest.fixture
def installed() -> Iterator[None]:
    original = util.write_error
    gunicorn_errors.install()
    try:
        yield
    finally:
        util.write_error = original


def _answer(status: int, reason: str, mesg: str) -> tuple[str, dict[str, str], bytes]:
    ours, theirs = socket.socketpair()
    with ours, theirs:
        base.util.write_error(ours, status, reason, mesg)  # as the worker calls it
        ours.shutdown(socket.SHUT_WR)
        raw = b"".join(iter(lambda: theirs.recv(65536), b""))
    head, body = raw.split(b"\r\n\r\n", 1)
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines)
    return status_line, headers, body


@pytest.mark.usefixtures("installed")
def test_a_request_line_over_the_limit_is_a_400_in_the_envelope() -> None:
    status_line, headers, body = _answer(400, "Bad Request", "Request Line is too large (9000)")
    assert status_line == "HTTP/1.1 400 Bad Request"
    assert headers["Content-Type"] == "application/json"
    assert int(headers["Content-Length"]) == len(body)
    answer = json.loads(body)
    assert answer["success"] is False and answer["result"] is None
    assert answer["errors"][0]["code"] == 1001
    assert "request line" in answer["errors"][0]["message"]


@pytest.mark.usefixtures("installed")
def test_other_refusals_keep_their_status_and_never_echo_the_request() -> None:
    status_line, _, body = _answer(431, "Request Header Fields Too Large", "secret-header: x")
    assert status_line == "HTTP/1.1 431 Request Header Fields Too Large"
    assert json.loads(body)["errors"] == [
        {"code": 1007, "message": "request header fields too large"}
    ]
    assert b"secret" not in body
    _, _, body = _answer(500, "Internal Server Error", "")
    assert json.loads(body)["errors"][0] == {"code": 1000, "message": "internal error"}
