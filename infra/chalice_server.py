"""`chalice local`'s server with the gateway's envelope for the answers it gives itself.

    python -m infra.chalice_server --stage local --host 127.0.0.1 --port 8000

It runs app.py exactly as `chalice local --no-autoreload` does (same stage config, same
LocalGateway, same threaded server) and changes only what the server answers without
the app, all in the Cloudflare envelope and never echoing a request header:
- an unknown path (also a proxy path deeper than app.MAX_PROXY_DEPTH segments): 404, where
  `chalice local` answers 403 with the caller's Authorization value in the message;
- http.server's own refusals (bad request line 400, 414, 431, 501, 505): JSON, not HTML;
- Content-Length: malformed 400, over the limit (AIG_MAX_REQUEST_BYTES) 413 before the
  body is read; a chunked body, which `chalice local` cannot read, 411;
- HEAD answers carry no body, so the connection stays in step.
Such refusals close the connection. `chalice local` itself still serves the same routes.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import socket
import sys
from typing import Any

from chalice.app import Chalice
from chalice.cli.factory import CLIFactory
from chalice.config import Config
from chalice.deploy.validate import validate_routes
from chalice.local import (
    ChaliceRequestHandler,
    EventType,
    HeaderType,
    LocalDevServer,
    LocalGateway,
    LocalGatewayException,
)

from chalicelib import wiring
from chalicelib.edge import check_content_length, failure, http_status
from chalicelib.errors import ApiError, HttpError, NotFound
from infra.local import REPO_ROOT

_HTTP_ERRORS = {
    400: "malformed request",
    414: "request line too long",
    431: "request header fields too large",
    501: "method not implemented",
    505: "HTTP version not supported",
}
"""Fixed messages for http.server's refusals: its own texts quote the request line."""
LINGER_S = 1.0
LINGER_BYTES = 16 * 1024 * 1024
"""How long and how much of a refused body is read and dropped before closing."""


def envelope_body(error: ApiError) -> bytes:
    """The envelope of `error`, as bytes on the wire."""
    return json.dumps(failure(error)).encode()


class EnvelopeRefusal(LocalGatewayException):
    """A LocalGateway refusal answered with an ApiError's envelope."""

    def __init__(self, error: ApiError) -> None:
        super().__init__({"Content-Type": "application/json", **error.headers})
        self.CODE = http_status(error)
        self.body = envelope_body(error)


class EnvelopeGateway(LocalGateway):
    """LocalGateway answering an unknown path with 404 in the envelope."""

    def _generate_lambda_event(
        self, method: str, path: str, headers: HeaderType, body: bytes | None
    ) -> EventType:
        try:
            return super()._generate_lambda_event(method, path, headers, body)
        except ValueError as exc:  # RouteMatcher: no route has this path
            raise EnvelopeRefusal(NotFound("no route for this path")) from exc


class EnvelopeRequestHandler(ChaliceRequestHandler):
    """ChaliceRequestHandler whose own answers are envelopes (see the module doc)."""

    def __init__(
        self, request: Any, client_address: Any, server: Any, app_object: Chalice, config: Config
    ) -> None:
        # ChaliceRequestHandler.__init__ would set its own LocalGateway, then serve at once.
        self.local_gateway = EnvelopeGateway(app_object, config)
        super(ChaliceRequestHandler, self).__init__(request, client_address, server)

    def _generic_handle(self) -> None:
        try:
            self._check_body_framing()
        except ApiError as exc:
            self._send_envelope(exc)
            self._discard_unread_body()
            return
        super()._generic_handle()

    do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = do_PATCH = do_OPTIONS = _generic_handle

    def _check_body_framing(self) -> None:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            raise HttpError(411, "send the body with a Content-Length (chunked is not read)")
        check_content_length(
            self.headers.get("Content-Length"), wiring.settings().max_request_bytes
        )

    def _discard_unread_body(self) -> None:
        """Read what the client still sends (bounded) before closing: closing a socket
        with unread data resets it, and the client could lose the answer."""
        remaining = LINGER_BYTES
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_WR)
            self.connection.settimeout(LINGER_S)
            while remaining > 0 and (chunk := self.connection.recv(min(remaining, 65536))):
                remaining -= len(chunk)
        except OSError:
            pass

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's refusals, as envelopes with a fixed message."""
        self._send_envelope(HttpError(code, _HTTP_ERRORS.get(code, "request refused")))

    def _send_envelope(self, error: ApiError) -> None:
        body = envelope_body(error)
        self.close_connection = True
        self.send_response(http_status(error))
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        for name, value in error.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if getattr(self, "command", None) != "HEAD":
            self.wfile.write(body)

    def _send_http_response_with_body(
        self, code: int, headers: HeaderType, body: str | bytes
    ) -> None:
        if self.command != "HEAD":
            super()._send_http_response_with_body(code, headers, body)
            return
        raw = body if isinstance(body, bytes) else body.encode("utf-8")
        self.send_response(code)
        self.send_header("Content-Length", str(len(raw)))
        self.send_header("Content-Type", headers.pop("Content-Type", "application/json"))
        self._send_headers(headers)


def load_app(stage: str) -> tuple[Chalice, Config]:
    """app.py and its stage config, loaded as the `chalice` CLI loads them."""
    config = CLIFactory(str(REPO_ROOT), environ=os.environ).create_config_obj(
        chalice_stage_name=stage
    )
    app = config.chalice_app
    validate_routes(app.routes)
    return app, config


def make_server(app: Chalice, config: Config, host: str, port: int) -> LocalDevServer:
    """The threaded `chalice local` server with EnvelopeRequestHandler."""
    return LocalDevServer(app, config, host, port, handler_cls=EnvelopeRequestHandler)


def main(argv: list[str] | None = None) -> int:
    """Serve app.py until interrupted; see the module doc."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stage", default="local")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)
    os.environ["AWS_CHALICE_CLI_MODE"] = "true"  # as the `chalice` CLI sets it
    logging.basicConfig(stream=sys.stdout, level=logging.INFO, format="%(message)s")
    app, config = load_app(args.stage)
    make_server(app, config, args.host, args.port).serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
