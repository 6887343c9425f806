"""infra/chalice_server.py in process: what `chalice local`'s server answers without the app
(unknown paths, http.server's refusals, Content-Length) comes in the envelope, over a raw
socket (a client would normalise the paths and frame the requests itself)."""

import json
import socket
import threading
from collections.abc import Iterator

import pytest

from chalicelib import wiring
from infra.chalice_server import load_app, make_server

SECRET = "Bearer sk-secret-value"


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, int]]:
    app, config = load_app("local")
    running = make_server(app, config, "127.0.0.1", 0)
    thread = threading.Thread(target=running.serve_forever, daemon=True)
    thread.start()
    yield running.server.server_address[:2]
    running.shutdown()
    running.server.server_close()


@pytest.fixture(autouse=True)
def small_limit(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("AIG_MAX_REQUEST_BYTES", "100")
    wiring.settings.cache_clear()
    yield
    wiring.settings.cache_clear()


def exchange(address: tuple[str, int], data: bytes) -> bytes:
    """Send `data`, read until the server closes (or 5 s pass)."""
    with socket.create_connection(address, timeout=5) as sock:
        sock.sendall(data)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    return received


def answer(raw: bytes) -> tuple[int, dict[str, str], dict]:  # type: ignore[type-arg]
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line, *lines = head.decode().split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines)
    envelope = json.loads(body)
    assert envelope["success"] is False and envelope["result"] is None
    assert headers["Content-Type"] == "application/json"
    return int(status_line.split()[1]), headers, envelope["errors"][0]


def request(line: str, *headers: str, body: bytes = b"") -> bytes:
    return "\r\n".join([line, "Host: x", *headers, "", ""]).encode() + body


@pytest.mark.parametrize("path", ["/nope", "/v1/a/g/openai/1/2/3/4/5/6/7/8/9", "/v1/a"])
def test_unknown_paths_are_404_without_echo(server: tuple[str, int], path: str) -> None:
    raw = exchange(
        server, request(f"GET {path} HTTP/1.1", f"Authorization: {SECRET}", "Connection: close")
    )
    status, _, error = answer(raw)
    assert status == 404 and error["code"] == 1003
    assert b"sk-secret" not in raw


@pytest.mark.parametrize(
    ("data", "status"),
    [
        (b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\n\r\n", 414),
        (request("BREW /healthz HTTP/1.1"), 501),
        (request("GET /healthz HTTP/1.1", *[f"X-{i}: {SECRET}" for i in range(120)]), 431),
    ],
)
def test_http_server_refusals_are_envelopes(
    server: tuple[str, int], data: bytes, status: int
) -> None:
    raw = exchange(server, data)
    assert answer(raw)[0] == status
    assert b"sk-secret" not in raw and b"BREW" not in raw and b"<html" not in raw.lower()


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        (("Content-Length: 101",), 413),  # refused before a byte of the body is read
        (("Content-Length: 10_0",), 400),
        (("Transfer-Encoding: chunked",), 411),
    ],
)
def test_body_framing_is_checked_before_reading(
    server: tuple[str, int], headers: tuple[str, ...], status: int
) -> None:
    raw = exchange(server, request("POST /v1/a/g/openai/chat/completions HTTP/1.1", *headers))
    code, response_headers, _ = answer(raw)
    assert code == status and response_headers["Connection"] == "close"


@pytest.mark.parametrize("line", [b"not a request line", b"GET /healthz HTTP/x.y"])
def test_a_bad_request_line_gets_a_bare_envelope(server: tuple[str, int], line: bytes) -> None:
    raw = exchange(server, line + b"\r\n\r\n")  # no valid version: HTTP/0.9, body only
    assert json.loads(raw)["errors"][0] == {"code": 1007, "message": "malformed request"}


def test_head_answers_have_no_body(server: tuple[str, int]) -> None:
    raw = exchange(
        server,
        request("HEAD /healthz HTTP/1.1") + request("GET /healthz HTTP/1.1", "Connection: close"),
    )
    first, _, rest = raw.partition(b"\r\n\r\n")
    assert first.startswith(b"HTTP/1.1 405") and b"Allow: GET" in first
    assert rest.startswith(b"HTTP/1.1 200") and rest.endswith(b'{"status":"ok"}')
