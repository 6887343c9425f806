"""The watcher that notices a client leaving while its answer waits for the provider."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

from chalicelib.dataplane.watch import WatchedBody


def _waiting_body(release: threading.Event) -> Iterator[bytes]:
    yield b"first"
    release.wait(10)  # the provider is silent until released


def test_a_client_closing_its_socket_is_noticed_while_the_body_waits() -> None:
    server, client = socket.socketpair()
    gone = threading.Event()
    release = threading.Event()
    body = WatchedBody(_waiting_body(release), server, gone.set)
    chunks = iter(body)
    assert next(chunks) == b"first"
    assert not gone.wait(0.2)  # the client is still there
    client.close()
    assert gone.wait(5)
    release.set()
    body.close()
    server.close()


def test_a_body_that_ends_stops_the_watch_without_calling_on_gone() -> None:
    server, client = socket.socketpair()
    gone = threading.Event()
    body = WatchedBody(iter([b"a", b"b"]), server, gone.set)
    assert list(body) == [b"a", b"b"]
    body.close()
    client.close()
    assert not gone.wait(1.5)
    server.close()


def test_a_client_that_sends_more_is_not_gone() -> None:
    server, client = socket.socketpair()
    gone = threading.Event()
    release = threading.Event()
    body = WatchedBody(_waiting_body(release), server, gone.set)
    next(iter(body))
    client.sendall(b"GET / HTTP/1.1\r\n")
    assert not gone.wait(0.5)
    release.set()
    body.close()
    client.close()
    server.close()
