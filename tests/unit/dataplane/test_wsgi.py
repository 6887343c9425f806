"""The data plane's WSGI app, driven as a WSGI server drives it."""

from __future__ import annotations

import io
import json
from collections.abc import Iterable
from typing import Any
from wsgiref.util import setup_testing_defaults

import httpx
import pytest

from chalicelib.accounts.store import AccountStore
from chalicelib.dataplane.wsgi import WsgiApp, create_app
from chalicelib.proxy.relay import CLIENT_GONE
from chalicelib.settings import Settings
from tests.support.tenants import Tenant
from tests.unit.proxy.harness import CHAT_REQUEST, ProxyHarness

LIMIT = 4096


class Answer:
    """What the app started and returned for one request."""

    def __init__(self, app: WsgiApp, environ: dict[str, Any]) -> None:
        self.status = ""
        self.headers: dict[str, str] = {}

        def start_response(status: str, headers: list[tuple[str, str]]) -> None:
            self.status = status
            self.headers = {name.lower(): value for name, value in headers}

        self.body: Iterable[bytes] = app(environ, start_response)

    def read(self) -> bytes:
        return b"".join(self.body)

    def json(self) -> Any:
        return json.loads(self.read())


def _environ(
    method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
) -> dict[str, Any]:
    environ: dict[str, Any] = {"REQUEST_METHOD": method, "RAW_URI": path, "PATH_INFO": path}
    setup_testing_defaults(environ)
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_TYPE"] = "application/json"
    if body:
        environ["CONTENT_LENGTH"] = str(len(body))
    for name, value in (headers or {}).items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    return environ


@pytest.fixture
def proxy(settings: Settings, accounts: AccountStore) -> ProxyHarness:
    return ProxyHarness(settings, accounts)


@pytest.fixture
def app(proxy: ProxyHarness) -> WsgiApp:
    return create_app(service=lambda: proxy.service, max_request_bytes=lambda: LIMIT)


def _chat(tenant: Tenant, provider: str = "openai") -> str:
    return f"/v1/{tenant.account_id}/{tenant.gateway_id}/{provider}/chat/completions"


def test_health(app: WsgiApp) -> None:
    answer = Answer(app, _environ("GET", "/healthz"))
    assert answer.status == "200 OK" and answer.json() == {"status": "ok"}


def test_unknown_paths_are_404_or_go_to_the_fallback(app: WsgiApp) -> None:
    answer = Answer(app, _environ("GET", "/accounts/acme/ai-gateway/gateways"))
    assert answer.status.startswith("404") and answer.json()["success"] is False

    def fallback(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [])
        return [b"control plane"]

    with_fallback = create_app(service=lambda: None, fallback=fallback)  # type: ignore[arg-type,return-value]
    assert Answer(with_fallback, _environ("GET", "/accounts/x")).read() == b"control plane"


def test_unknown_methods_are_501(app: WsgiApp) -> None:
    answer = Answer(app, _environ("BREW", "/healthz"))
    assert answer.status.startswith("501") and answer.json()["errors"][0]["code"] == 1007


def test_other_methods_are_405_with_allow(app: WsgiApp, tenant: Tenant) -> None:
    answer = Answer(app, _environ("PUT", f"/v1/{tenant.account_id}/{tenant.gateway_id}"))
    assert answer.status.startswith("405") and answer.headers["allow"] == "POST"
    assert answer.json()["errors"][0]["code"] == 1004


def test_bodies_over_the_limit_are_413_declared_or_chunked(app: WsgiApp, tenant: Tenant) -> None:
    declared = Answer(app, _environ("POST", _chat(tenant), b"x" * (LIMIT + 1)))
    assert declared.status.startswith("413")
    chunked = _environ("POST", _chat(tenant))
    chunked["wsgi.input"] = io.BytesIO(b"x" * (LIMIT + 10))  # no CONTENT_LENGTH: dechunked
    assert Answer(app, chunked).status.startswith("413")


def test_a_buffered_answer_has_its_length_and_log_status(app: WsgiApp, tenant: Tenant) -> None:
    answer = Answer(app, _environ("POST", _chat(tenant), json.dumps(CHAT_REQUEST).encode()))
    assert answer.status == "200 OK" and answer.headers["aig-log-status"] == "stored"
    assert int(answer.headers["content-length"]) == len(answer.read())


def test_a_streamed_answer_is_the_relay_and_closing_it_logs_the_disconnect(
    app: WsgiApp, proxy: ProxyHarness, tenant: Tenant
) -> None:
    events = [b"data: {}\n\n"] * 3
    proxy.handler = lambda request: httpx.Response(
        200, headers={"content-type": "text/event-stream"}, content=iter(events)
    )
    answer = Answer(app, _environ("POST", _chat(tenant), json.dumps(CHAT_REQUEST).encode()))
    assert "content-length" not in answer.headers and "aig-log-id" in answer.headers
    body = iter(answer.body)
    assert next(body) == events[0]
    answer.body.close()  # type: ignore[attr-defined]  # what the server does when the client left
    [record] = proxy.records()
    assert record.error == CLIENT_GONE and record.id == answer.headers["aig-log-id"]


def test_ids_that_cannot_exist_answer_compat_in_openai_shape(app: WsgiApp) -> None:
    answer = Answer(app, _environ("POST", "/v1/" + "a" * 300 + "/main/compat/chat/completions"))
    assert answer.status.startswith("404") and "message" in answer.json()["error"]


def test_percent_encoded_segments_are_decoded_once(
    app: WsgiApp, proxy: ProxyHarness, tenant: Tenant
) -> None:
    path = f"/v1/{tenant.account_id}/{tenant.gateway_id}/openai/chat/completion%73"
    Answer(app, _environ("POST", path, json.dumps(CHAT_REQUEST).encode())).read()
    assert proxy.sent[-1].url.path.endswith("/chat/completions")


def test_deep_health_runs_the_checks_and_fails_with_503(proxy: ProxyHarness) -> None:
    outcomes = {"logs_table": "ok", "log_queue": "ok"}
    app = create_app(service=lambda: proxy.service, health=lambda: dict(outcomes))
    assert Answer(app, _environ("GET", "/healthz")).json() == {"status": "ok"}
    deep = _environ("GET", "/healthz")
    deep["QUERY_STRING"] = "deep=1"
    healthy = Answer(app, deep)
    assert healthy.status.startswith("200") and healthy.json()["checks"] == outcomes
    outcomes["log_queue"] = "AWS.SimpleQueueService.NonExistentQueue"
    failing = Answer(app, dict(deep, **{"wsgi.input": io.BytesIO()}))
    assert failing.status.startswith("503") and failing.json()["status"] == "failing"
