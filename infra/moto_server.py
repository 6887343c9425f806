"""moto server that handles one AWS call at a time per service.

Real DynamoDB applies each call atomically (a conditional update or a transaction never
interleaves with another). moto's backends are not thread-safe, and its DynamoDB
transactions roll back by restoring a snapshot of whole tables, which under concurrent
calls would undo other callers' writes. So calls to one service run one at a time, which
gives local runs and concurrency tests the semantics of the real service.

Calls to different services do not wait for each other: the proxy's SQS `SendMessage` (one
per request) would otherwise queue behind the log poller's DynamoDB transactions, which
copy whole tables. DynamoDB, S3 and SQS each have a lock; a call to any other service
(CloudFormation, which creates resources in all three, `/moto-api/reset`, STS, ...) takes
all three, so it stays atomic with respect to everything, as before.

The service of a call is the one moto's own `DomainDispatcherApplication` picks (SigV4
credential scope, `X-Amz-Target`, host, path): its Flask app carries it as `.service`.

Why the three backends may run concurrently (moto 5.2): each is a separate `BackendDict`
of separate backend objects, and none of them calls another on the gateway's paths. The
state they share is thread-safe: backend creation is guarded by moto's `backend_lock`,
the model registry only appends to per-class lists, ids come from a shared
`random.Random` (safe under the GIL), and the dispatcher locks its app table. Cross-service
hooks exist but the gateway configures none: S3 bucket notifications send to SQS, and
DynamoDB streams invoke Lambda. Within SQS, a long poll (`WaitTimeSeconds` > 0) would hold
the SQS lock while it waits, so `SendMessage` could not reach it; the gateway's consumers
poll with `WaitTimeSeconds=0`.

    python -m infra.moto_server -p 4566
"""

from __future__ import annotations

import argparse
import os
import signal
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import run_simple

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

LOCKED_SERVICES = ("dynamodb", "s3", "sqs")
"""Services with a lock of their own; a call to any other takes all of them."""


def lock_group(service: str | None) -> str | None:
    """The lock a call to moto backend `service` takes; None: every lock.

    DynamoDB Streams reads the DynamoDB backend's tables, S3 Control its accounts' S3
    settings, so each goes with its parent.
    """
    if service is None:
        return None
    for name in LOCKED_SERVICES:
        if service == name or service.startswith(name):
            return name
    return None


class PerServiceLockedApp:
    """WSGI app over moto's dispatcher: one request per service inside moto at a time."""

    def __init__(self, dispatcher: DomainDispatcherApplication) -> None:
        self._dispatcher = dispatcher
        self._locks = {name: threading.Lock() for name in LOCKED_SERVICES}

    @contextmanager
    def _holding(self, group: str | None) -> Iterator[None]:
        if group is not None:
            with self._locks[group]:
                yield
            return
        with ExitStack() as stack:  # always the same order: no deadlock with the above
            for name in LOCKED_SERVICES:
                stack.enter_context(self._locks[name])
            yield

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        app = self._dispatcher.get_application(environ)
        with self._holding(lock_group(getattr(app, "service", None))):
            return list(app(environ, start_response))


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
    app = PerServiceLockedApp(DomainDispatcherApplication(create_backend_app))
    run_simple(args.host, args.port, app, threaded=True, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()
