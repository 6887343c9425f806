"""The management API over HTTP: requests with the account's token, answers unwrapped from
the Cloudflare envelope, every failure turned into a CliError (errors.py)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any
from urllib.parse import quote

import httpx

from aig_cli.errors import ApiFailed, ApiRefused, ApiUnreachable, UsageError
from aig_cli.settings import Settings

TIMEOUT_S = 60.0
"""Per request: bulk deletes work for up to 20 s per request on the server."""

Params = Sequence[tuple[str, str]]
"""Query parameters in order (a name may repeat)."""


@dataclass(frozen=True)
class Answer:
    """A successful envelope's `result` and `result_info`."""

    result: Any
    info: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RawBody:
    """A stored request or response body, as the API returns it."""

    body: bytes
    content_type: str


class ApiClient:
    """Calls the API of one account (`settings`) on its base URL."""

    def __init__(self, settings: Settings, transport: httpx.BaseTransport | None = None) -> None:
        self._settings = settings
        self._http = httpx.Client(
            base_url=settings.base_url,
            headers={"Authorization": f"Bearer {settings.token}", "User-Agent": "aig-cli"},
            timeout=TIMEOUT_S,
            transport=transport,
        )

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._http.close()

    def gateways_path(self, *parts: str) -> str:
        """`/accounts/{account}/ai-gateway/gateways/{parts...}`, each part path-encoded."""
        segments = ["accounts", self._settings.account, "ai-gateway", "gateways", *parts]
        return "/" + "/".join(quote(segment, safe="") for segment in segments)

    def gateway_path(self, *parts: str) -> str:
        """`.../gateways/{gateway}/{parts...}` of the settings' gateway."""
        if self._settings.gateway is None:
            raise UsageError("no gateway: pass --gateway or set AIG_GATEWAY")
        return self.gateways_path(self._settings.gateway, *parts)

    def call(
        self, method: str, path: str, params: Params = (), body: dict[str, Any] | None = None
    ) -> Answer:
        """The envelope's result of a JSON request; CliError when it is not a success."""
        response = self._send(method, path, params, body)
        envelope = _envelope(response)
        if envelope is None or envelope.get("success") is not True:
            raise ApiFailed(f"unexpected answer from {self._settings.base_url} ({path})")
        info = envelope.get("result_info")
        return Answer(envelope.get("result"), info if isinstance(info, dict) else {})

    def raw(self, path: str) -> RawBody:
        """A body endpoint's bytes and content type; CliError when refused."""
        response = self._send("GET", path, (), None)
        return RawBody(response.content, response.headers.get("content-type", ""))

    def _send(
        self, method: str, path: str, params: Params, body: dict[str, Any] | None
    ) -> httpx.Response:
        try:
            response = self._http.request(method, path, params=list(params), json=body)
        except httpx.TransportError as exc:
            reason = self._redact(str(exc) or type(exc).__name__)
            raise ApiUnreachable(f"could not reach {self._settings.base_url}: {reason}") from None
        if response.status_code >= 400:
            message = self._redact(_error_message(response))
            if response.status_code == 401:
                message += " (check --token or AIG_TOKEN)"
            if response.status_code < 500:
                raise ApiRefused(response.status_code, message)
            raise ApiFailed(f"the gateway failed ({response.status_code}): {message}")
        return response

    def _redact(self, text: str) -> str:
        """`text` with the token cut out (an answer must never make us print it)."""
        return text.replace(self._settings.token, "***")


def _envelope(response: httpx.Response) -> dict[str, Any] | None:
    try:
        parsed = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    return parsed if isinstance(parsed, dict) else None


def _error_message(response: httpx.Response) -> str:
    """The envelope's error messages, else a short form of the body."""
    envelope = _envelope(response)
    errors = envelope.get("errors") if envelope else None
    if isinstance(errors, list):
        messages = [str(e.get("message")) for e in errors if isinstance(e, dict)]
        if messages:
            return "; ".join(messages)
    text = response.text.strip()
    return text[:200] if text else response.reason_phrase or "no message"
