"""The fake's HTTP server (``python -m tests.fakes.upstream``): the control endpoints
(``/_fake/requests``, ``/_fake/gates/NAME``) and every API request, event streams sent
chunked, paced and gated as asked."""

from __future__ import annotations

import argparse
import signal
import socket
import threading
import time
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from tests.fakes.upstream.control import (
    GATES_PATH,
    JOURNAL_PATH,
    FailureCounter,
    Gate,
    Gates,
    Journal,
    StreamControls,
)
from tests.fakes.upstream.dispatch import respond
from tests.fakes.upstream.wire import OPENAI, Reply, error_reply, json_reply

BANNER = "FAKE_UPSTREAM_LISTENING"
DESCRIPTION = (
    "Fake OpenAI / Anthropic / Gemini upstream speaking the real wire formats (JSON and SSE)."
)


class FakeUpstreamServer(ThreadingHTTPServer):
    """Threaded HTTP server owning the journal and the gates."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int]) -> None:
        self.journal = Journal()
        self.failures = FailureCounter()
        self.gates = Gates()
        super().__init__(address, FakeUpstreamHandler)

    @property
    def url(self) -> str:
        """Base URL of the server."""
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"


class FakeUpstreamHandler(BaseHTTPRequestHandler):
    """HTTP/1.1 handler: every response carries Content-Length, but an event stream sent
    chunked (``StreamControls``)."""

    protocol_version = "HTTP/1.1"
    server: FakeUpstreamServer

    def setup(self) -> None:
        """Small writes (one event) leave at once."""
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self) -> None:
        """Handle GET."""
        self._handle()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        """Keep stderr quiet."""

    def _handle(self) -> None:
        """Read the body, answer, send."""
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if urlsplit(self.path).path == JOURNAL_PATH:
            self._send(self._journal_reply())
            return
        if urlsplit(self.path).path.startswith(GATES_PATH):
            self._send(self._gate_reply())
            return
        headers = {name.lower(): value for name, value in self.headers.items()}
        self.server.journal.record(self.command, self.path, headers, raw)
        try:
            forced = self.server.failures.forced_failure(headers)
            reply = respond(self.command, self.path, forced, raw)
        except Exception as exc:  # a fake must answer, not drop the connection
            reply = error_reply(OPENAI, 500, f"fake upstream failure: {exc!r}")
        delay_ms = headers.get("x-fake-delay-ms", "")
        if delay_ms.isdigit():
            time.sleep(int(delay_ms) / 1000)
        controls = StreamControls.from_headers(headers)
        if controls.chunked and reply.events is not None:
            self._send_stream(reply, reply.events, controls)
        else:
            self._send(reply)

    def _gate_reply(self) -> Reply:
        """GET shows a gate, POST opens it."""
        name = urlsplit(self.path).path[len(GATES_PATH) :]
        if not name:
            return error_reply(OPENAI, 404, "no gate name")
        gate = self.server.gates.get(name)
        if self.command == "POST":
            gate.opened.set()
        elif self.command != "GET":
            return error_reply(OPENAI, 405, f"{self.command} not allowed on {GATES_PATH}")
        return json_reply({"name": name, **gate.state()})

    def _send_stream(self, reply: Reply, events: Iterable[bytes], controls: StreamControls) -> None:
        """Write the events chunked, one HTTP chunk each, paced and gated as asked."""
        gate = self.server.gates.get(controls.gate) if controls.gate else Gate()
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        try:
            for index, event in enumerate(events):
                if controls.gate and index == controls.gate_after:
                    gate.waiting = True
                    opened = gate.opened.wait(controls.gate_timeout_s)
                    gate.waiting = False
                    if not opened:
                        gate.outcome = "timed_out"
                        self.close_connection = True
                        return
                if index and controls.pace_s:
                    time.sleep(controls.pace_s)
                self.wfile.write(b"%X\r\n%s\r\n" % (len(event), event))
                gate.sent += 1
            self.wfile.write(b"0\r\n\r\n")
        except OSError:  # the reader went away (broken pipe, reset)
            gate.outcome = "client_gone"
            self.close_connection = True
            return
        gate.outcome = "completed"

    def _journal_reply(self) -> Reply:
        """GET lists the journal, DELETE clears it."""
        if self.command == "DELETE":
            self.server.journal.clear()
            return json_reply({"cleared": True})
        if self.command == "GET":
            return json_reply(self.server.journal.entries())
        return error_reply(OPENAI, 405, f"{self.command} not allowed on {JOURNAL_PATH}")

    def _send(self, reply: Reply) -> None:
        """Write status, headers and body."""
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)


def main(argv: list[str] | None = None) -> int:
    """Serve until SIGINT/SIGTERM; print the LISTENING line once ready."""
    parser = argparse.ArgumentParser(prog="python -m tests.fakes.upstream", description=DESCRIPTION)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    server = FakeUpstreamServer((args.host, args.port))
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    worker = threading.Thread(target=server.serve_forever, daemon=True)
    worker.start()
    print(f"{BANNER} {server.url}", flush=True)
    stop.wait()
    server.shutdown()
    server.server_close()
    return 0
