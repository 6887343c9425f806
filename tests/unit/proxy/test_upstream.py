"""The upstream client's timeouts, against a real socket server that stalls on purpose."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from chalicelib.errors import UpstreamTimeout
from chalicelib.proxy.upstream import UpstreamClient

BODY = b"data: hello\n\n"


class StallingServer:
    """Answers every connection with headers after `header_delay_s`, then the body after
    `body_delay_s` more."""

    def __init__(self, header_delay_s: float, body_delay_s: float) -> None:
        self.header_delay_s, self.body_delay_s = header_delay_s, body_delay_s
        self._socket = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._socket.getsockname()[1]}/v1/chat"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self._socket.accept()
            except OSError:
                return
            threading.Thread(target=self._answer, args=(connection,), daemon=True).start()

    def _answer(self, connection: socket.socket) -> None:
        with connection:
            connection.recv(65536)
            time.sleep(self.header_delay_s)
            head = (
                "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                f"Content-Length: {len(BODY)}\r\n\r\n"
            )
            try:
                connection.sendall(head.encode())
                time.sleep(self.body_delay_s)
                connection.sendall(BODY)
            except OSError:
                pass  # the client gave up

    def close(self) -> None:
        self._socket.close()


@pytest.fixture
def stalls() -> Iterator[list[StallingServer]]:
    servers: list[StallingServer] = []
    yield servers
    for server in servers:
        server.close()


def _send(server: StallingServer, timeout_s: float, body_timeout_s: float | None) -> bytes:
    answer = UpstreamClient().open(
        "openai", "POST", server.url, {}, b"{}", timeout_s, body_timeout_s=body_timeout_s
    )
    return answer.read().body


def test_a_slow_body_after_a_quick_start_is_waited_for(stalls: list[StallingServer]) -> None:
    stalls.append(server := StallingServer(header_delay_s=0, body_delay_s=0.6))
    assert _send(server, timeout_s=0.2, body_timeout_s=5) == BODY


def test_without_a_body_timeout_every_read_is_bounded(stalls: list[StallingServer]) -> None:
    stalls.append(server := StallingServer(header_delay_s=0, body_delay_s=0.6))
    with pytest.raises(UpstreamTimeout, match="openai"):
        _send(server, timeout_s=0.2, body_timeout_s=None)


def test_a_slow_start_times_out(stalls: list[StallingServer]) -> None:
    stalls.append(server := StallingServer(header_delay_s=0.6, body_delay_s=0))
    started = time.monotonic()
    with pytest.raises(UpstreamTimeout):
        _send(server, timeout_s=0.2, body_timeout_s=5)
    assert time.monotonic() - started < 0.55
