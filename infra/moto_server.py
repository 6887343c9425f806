"""moto server that handles one AWS call at a time.

Real DynamoDB applies each call atomically (a conditional update or a transaction never
interleaves with another). moto's backends are not thread-safe, and its transactions roll
back by restoring a snapshot of whole tables, which under concurrent calls would undo
other callers' writes. Serializing the calls gives local runs and concurrency tests the
semantics of the real service.

    python -m infra.moto_server -p 4566
"""

from __future__ import annotations

import argparse
import os
import signal
import threading
from collections.abc import Callable, Iterable
from typing import Any

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import run_simple

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class SerializedApp:
    """WSGI middleware: one request inside the wrapped app at a time."""

    def __init__(self, app: WsgiApp) -> None:
        self._app = app
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        with self._lock:
            return list(self._app(environ, start_response))


def main(argv: list[str] | None = None) -> None:
    """Serve moto on --host/--port until SIGINT or SIGTERM."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, default=4566)
    args = parser.parse_args(argv)
    for sig in (signal.SIGINT, signal.SIGTERM):
        # os._exit: keep-alive handler threads of clients still connected would otherwise
        # hold the interpreter open; moto keeps nothing worth a graceful shutdown.
        signal.signal(sig, lambda *_: os._exit(0))
    app = SerializedApp(DomainDispatcherApplication(create_backend_app))
    run_simple(args.host, args.port, app, threaded=True, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()
