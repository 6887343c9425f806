"""The HTTP call to the provider, over a pluggable httpx transport."""

from __future__ import annotations

import time
from dataclasses import dataclass

import httpx

from chalicelib.api.errors import UpstreamTimeout, UpstreamUnreachable


@dataclass(frozen=True)
class UpstreamResponse:
    """The provider's complete answer and when its first body byte arrived."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes
    first_byte_ms: int | None

    @property
    def content_type(self) -> str | None:
        """The response Content-Type, if any."""
        for name, value in self.headers:
            if name.lower() == "content-type":
                return value
        return None


class UpstreamClient:
    """Sends one request to a provider and reads its whole answer.

    One instance per process keeps connections alive across Lambda invocations.
    Errors say which provider failed, never the URL (it may carry a key, e.g. `?key=`).
    """

    def __init__(self, transport: httpx.BaseTransport | None = None) -> None:
        self._client = httpx.Client(transport=transport, follow_redirects=False)

    def send(
        self,
        provider: str,
        method: str,
        url: str,
        headers: dict[str, str],
        body: bytes,
        timeout_s: float,
        body_timeout_s: float | None = None,
    ) -> UpstreamResponse:
        """Send the request; raise UpstreamTimeout or UpstreamUnreachable on failure.

        `timeout_s` bounds the wait for the first part of the answer (its status and
        headers); once that came, as on Cloudflare, each read of the body may take up to
        `body_timeout_s` (default: `timeout_s`), so a slow stream is not cut off.
        """
        started = time.perf_counter()
        request = self._client.build_request(
            method, url, headers=headers, content=body, timeout=timeout_s
        )
        try:
            response = self._client.send(request, stream=True)
            if body_timeout_s is not None:  # read by the transport when the body starts
                timeouts = request.extensions.get("timeout", {})
                request.extensions["timeout"] = {**timeouts, "read": body_timeout_s}
            try:
                chunks: list[bytes] = []
                first_byte_ms: int | None = None
                for chunk in response.iter_bytes():
                    if first_byte_ms is None and chunk:
                        first_byte_ms = round((time.perf_counter() - started) * 1000)
                    chunks.append(chunk)
            finally:
                response.close()
        except httpx.TimeoutException as exc:
            raise UpstreamTimeout(
                f"provider {provider} did not answer within {timeout_s:g} s"
            ) from exc
        except httpx.TransportError as exc:
            raise UpstreamUnreachable(
                f"provider {provider} could not be reached ({type(exc).__name__})"
            ) from exc
        return UpstreamResponse(
            status=response.status_code,
            headers=list(response.headers.multi_items()),
            body=b"".join(chunks),
            first_byte_ms=first_byte_ms,
        )
