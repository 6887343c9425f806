"""The streaming data plane: the proxy routes as a WSGI app whose answers are relayed to
the client as the provider sends them (Chalice cannot stream a response).

Served by gunicorn (gthread worker): under `make run` with the control plane behind it
as `fallback`, on AWS Lambda behind the Lambda Web Adapter in response-stream mode
(infra/dataplane.yaml). Routes (chalicelib.dataplane.routes):

    GET  /healthz                       (?deep=1: chalicelib.health)
    POST /v1/{account_id}/{gateway_id}                                  universal endpoint
    GET|POST|PUT|PATCH|DELETE /v1/{account_id}/{gateway_id}/{provider}/{path...}

Everything else goes to `fallback`, or is 404 in the envelope. Each request is answered
by `chalicelib.proxy.entry.proxy_answer`, the same pipeline as the Chalice routes. A
streamed answer is returned as the relay: the server iterates it chunk by chunk and
closes it when the client goes away, which ends the relay and writes the log; under
gunicorn a watcher also notices a client that leaves while the provider is silent
(dataplane/watch.py).
"""

from __future__ import annotations

import json
import socket
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, parse_qsl, quote

from chalicelib import wiring
from chalicelib.dataplane.routes import match
from chalicelib.dataplane.watch import WatchedBody
from chalicelib.edge import check_content_length, check_size, failure, http_status
from chalicelib.errors import ApiError, HttpError, MethodNotAllowed, NotFound
from chalicelib.proxy import ProxyResponse, ProxyService, Relay, proxy_answer

if TYPE_CHECKING:
    from _typeshed.wsgi import InputStream

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
"""Methods the gateway implements on some path; others are 501 everywhere."""
_HEALTHY = b'{"status": "ok"}'


def create_app(
    service: Callable[[], ProxyService] = wiring.proxy_service,
    max_request_bytes: Callable[[], int] = lambda: wiring.settings().max_request_bytes,
    fallback: WsgiApp | None = None,
    health: Callable[[], dict[str, str]] = wiring.health_checks,
) -> WsgiApp:
    """The data plane over `service` (built on first use), refusing bodies over
    `max_request_bytes()` with 413; paths it does not serve go to `fallback`.
    `GET /healthz` is liveness; `?deep=1` runs `health()` (503 when a check fails)."""

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method = environ["REQUEST_METHOD"].upper()
        if method not in KNOWN_METHODS:
            return _refuse(start_response, HttpError(501, "method not implemented"))
        raw_path = _raw_path(environ)
        if raw_path == "/healthz" and method == "GET":
            deep = parse_qs(environ.get("QUERY_STRING", "")).get("deep") == ["1"]
            return _health(start_response, health if deep else None)
        route = match(raw_path)
        if route is None:
            if fallback is not None:
                return fallback(environ, start_response)
            return _refuse(start_response, NotFound("no route for this path"))
        if method not in route.methods:
            return _refuse(start_response, MethodNotAllowed(list(route.methods)))
        try:
            body = read_body(environ, max_request_bytes())
        except ApiError as exc:
            return _refuse(start_response, exc)
        answer = proxy_answer(
            service(),
            route.params,
            method=method,
            headers=request_headers(environ),
            body=body,
            query=parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True),
        )
        return _respond(environ, start_response, answer)

    return app


def _health(
    start_response: StartResponse, checks: Callable[[], dict[str, str]] | None
) -> Iterable[bytes]:
    """Liveness, or with `checks` the deep health check (503 when one fails)."""
    headers = [("Content-Type", "application/json")]
    if checks is None:
        return _send(start_response, 200, headers, _HEALTHY)
    outcomes = checks()
    healthy = all(outcome == "ok" for outcome in outcomes.values())
    answer = {"status": "ok" if healthy else "failing", "checks": outcomes}
    return _send(start_response, 200 if healthy else 503, headers, json.dumps(answer).encode())


def _raw_path(environ: dict[str, Any]) -> str:
    """The path as the client sent it (still percent-encoded): gunicorn's RAW_URI, else
    PATH_INFO encoded again (WSGI servers decode it, as latin-1)."""
    raw: str | None = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if raw:
        return raw.split("?", 1)[0]
    path = environ.get("PATH_INFO", "").encode("latin-1").decode("utf-8", "replace")
    return quote(path, safe="/")


def request_headers(environ: dict[str, Any]) -> dict[str, str]:
    """Request headers with lower-case names (as the proxy takes them)."""
    headers = {
        key[5:].replace("_", "-").lower(): value
        for key, value in environ.items()
        if key.startswith("HTTP_")
    }
    for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(key):
            headers[key.replace("_", "-").lower()] = environ[key]
    return {
        name: value.encode("latin-1").decode("utf-8", "replace") for name, value in headers.items()
    }


def read_body(environ: dict[str, Any], limit: int) -> bytes:
    """The request body, with a Content-Length or chunked; PayloadTooLarge over `limit`."""
    stream: InputStream = environ["wsgi.input"]
    declared = environ.get("CONTENT_LENGTH")
    if declared:
        return stream.read(check_content_length(declared, limit))
    body = stream.read(limit + 1)  # chunked (or no body): the server dechunks
    check_size(len(body), limit)
    return body


def _respond(
    environ: dict[str, Any], start_response: StartResponse, answer: ProxyResponse
) -> Iterable[bytes]:
    headers: list[tuple[str, str]] = []
    for name, value in answer.headers.items():
        for item in value if isinstance(value, list) else [value]:
            headers.append((name, item))
    if answer.chunks is None:
        return _send(start_response, answer.status, headers, answer.body)
    start_response(status_line(answer.status), headers)
    sock = environ.get("gunicorn.socket")
    if isinstance(answer.chunks, Relay) and isinstance(sock, socket.socket):
        return WatchedBody(answer.chunks, sock, answer.chunks.client_gone)
    return answer.chunks  # the server closes it when it ends or the client goes away


def _refuse(start_response: StartResponse, error: ApiError) -> Iterable[bytes]:
    headers = [("Content-Type", "application/json"), *error.headers.items()]
    return _send(start_response, http_status(error), headers, json.dumps(failure(error)).encode())


def _send(
    start_response: StartResponse, status: int, headers: list[tuple[str, str]], body: bytes
) -> list[bytes]:
    start_response(status_line(status), [*headers, ("Content-Length", str(len(body)))])
    return [body]


def status_line(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"{status} Unknown"


app = create_app()
"""The data plane as deployed: `gunicorn chalicelib.dataplane.wsgi:app`."""
