"""The WSGI app behind `make run`: the streaming data plane in front of the control plane.

    gunicorn -k gthread infra.gateway_app:app

Proxy routes (`/v1/...`) and `/healthz` are served by `chalicelib.dataplane.wsgi`, which
streams; every other path goes to app.py through Chalice's LocalGateway (what `chalice
local` runs, with infra/chalice_server.py's envelope for unknown paths), so one base URL
serves the SDKs' proxy calls and the management API alike.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Callable, Iterable
from typing import Any

from chalice.app import Chalice
from chalice.config import Config
from chalice.local import LocalGatewayException

from chalicelib import wiring
from chalicelib.dataplane import (
    WsgiApp,
    create_app,
    gunicorn_errors,
    read_body,
    request_headers,
    status_line,
)
from chalicelib.edge import http_status
from chalicelib.errors import ApiError
from infra.chalice_server import EnvelopeGateway, envelope_body, load_app


def chalice_wsgi(chalice_app: Chalice, config: Config) -> WsgiApp:
    """`chalice_app` as a WSGI app, through LocalGateway as `chalice local` serves it
    (bodies are read whole: Chalice buffers anyway)."""
    gateway = EnvelopeGateway(chalice_app, config)

    def serve(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        method = environ["REQUEST_METHOD"].upper()
        target = environ.get("RAW_URI") or environ.get("PATH_INFO", "/")
        headers = request_headers(environ)
        try:
            body = read_body(environ, wiring.settings().max_request_bytes)
            response = gateway.handle_request(method, target, headers, body or None)
            status = response["statusCode"]
            out = {**response["headers"], **response.get("multiValueHeaders", {})}
            raw = response.get("body")
            if response.get("isBase64Encoded") and raw is not None:
                raw = base64.b64decode(raw)
        except LocalGatewayException as exc:
            status, out, raw = exc.CODE, dict(exc.headers), exc.body
        except ApiError as exc:
            status, raw = http_status(exc), envelope_body(exc)
            out = {"Content-Type": "application/json", **exc.headers}
        data = raw.encode() if isinstance(raw, str) else (raw or b"")
        header_list = [
            (name, str(item))
            for name, value in out.items()
            if name.lower() != "content-length"
            for item in (value if isinstance(value, list) else [value])
        ]
        header_list.append(("Content-Length", str(len(data))))
        if not any(name.lower() == "content-type" for name, _ in header_list):
            header_list.append(("Content-Type", "application/json"))
        start_response(status_line(status), header_list)
        return [] if method == "HEAD" else [data]

    return serve


def _build() -> WsgiApp:
    gunicorn_errors.install()  # gunicorn's own 400s (request line too long, ...) too
    os.environ.setdefault("AWS_CHALICE_CLI_MODE", "true")  # as the `chalice` CLI sets it
    chalice_app, config = load_app(os.environ.get("AIG_CHALICE_STAGE", "local"))
    return create_app(fallback=chalice_wsgi(chalice_app, config))


app = _build()
