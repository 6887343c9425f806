"""Noticing a client that goes away while its streamed answer waits for the provider.

A WSGI server learns that a client left only when it writes to it; while the provider is
silent (a long reasoning pause, a stalled provider) nothing is written, and the thread and
the provider's request would be held until the body read timeout. So while a relay runs,
a watcher thread waits for the client's socket to turn readable: an EOF (or a reset)
means the client is gone, and the relay is told at once (`Relay.client_gone`).
"""

from __future__ import annotations

import select
import socket
import threading
from collections.abc import Callable, Iterator

POLL_S = 1.0
"""How often the watcher checks whether the relay already ended."""


class WatchedBody:
    """A streamed body for the server that has a watcher tell `on_gone` when the client's
    `sock` closes before the body ended; iterate it and close it as WSGI requires."""

    def __init__(
        self, chunks: Iterator[bytes], sock: socket.socket, on_gone: Callable[[], None]
    ) -> None:
        self._chunks = chunks
        self._done = threading.Event()
        watcher = threading.Thread(
            target=_watch, args=(sock, on_gone, self._done), name="client-watch", daemon=True
        )
        watcher.start()

    def __iter__(self) -> Iterator[bytes]:
        try:
            yield from self._chunks
        finally:
            self._done.set()

    def close(self) -> None:
        """End the watch, then close the body (the server calls this in every case)."""
        self._done.set()
        close = getattr(self._chunks, "close", None)
        if close is not None:
            close()


def _watch(sock: socket.socket, on_gone: Callable[[], None], done: threading.Event) -> None:
    while not done.is_set():
        try:
            readable, _, _ = select.select([sock], [], [], POLL_S)
            if done.is_set():
                return
            if not readable:
                continue
            data = sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT)
        except BlockingIOError:
            continue
        except (OSError, ValueError):  # reset, or the socket is closed
            data = b""
        if data:  # the client is there and sent more: nothing to watch for
            return
        if not done.is_set():
            on_gone()
        return
