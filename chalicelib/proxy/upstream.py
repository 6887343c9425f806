"""The HTTP call to the provider, over a pluggable httpx transport."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx

from chalicelib import telemetry
from chalicelib.errors import UpstreamTimeout, UpstreamUnreachable


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
        return _content_type(self.headers)


class UpstreamStream:
    """The provider's answer once its status and headers came: the body is read as it
    arrives (`chunks`) or whole (`read`), and the connection released by `close`."""

    def __init__(self, provider: str, response: httpx.Response, started: float) -> None:
        self._provider = provider
        self._response = response
        self._started = started
        self.status = response.status_code
        self.headers = list(response.headers.multi_items())
        self.first_byte_ms: int | None = None
        """Milliseconds from the request to the first body byte, once it came."""
        self._released = False
        self._release_lock = threading.Lock()

    @property
    def content_type(self) -> str | None:
        """The response Content-Type, if any."""
        return _content_type(self.headers)

    @property
    def content_length(self) -> int | None:
        """The declared body length, None for a chunked (streamed) body."""
        raw = self._response.headers.get("content-length", "")
        return int(raw) if raw.isdigit() and len(raw) <= 15 else None

    def elapsed_ms(self) -> int:
        """Milliseconds since the request was sent."""
        return round((time.perf_counter() - self._started) * 1000)

    def chunks(self) -> Iterator[bytes]:
        """The body as it arrives (decoded, as the client would get it from the provider);
        UpstreamTimeout or UpstreamUnreachable if the provider stops mid-body. The
        connection is released when the body ends or the iterator is closed."""
        try:
            for chunk in self._response.iter_bytes():
                if chunk:
                    if self.first_byte_ms is None:
                        self.first_byte_ms = self.elapsed_ms()
                    yield chunk
        except httpx.TimeoutException as exc:
            raise UpstreamTimeout(f"provider {self._provider} stopped sending its answer") from exc
        except httpx.TransportError as exc:
            raise UpstreamUnreachable(
                f"provider {self._provider} broke off its answer ({type(exc).__name__})"
            ) from exc
        finally:
            self.close()

    def read(self) -> UpstreamResponse:
        """The whole answer (the connection is released)."""
        body = b"".join(self.chunks())
        return UpstreamResponse(self.status, self.headers, body, self.first_byte_ms)

    def close(self) -> None:
        """Release the connection (an unread body is dropped)."""
        with self._release_lock:
            self._released = True
        self._response.close()

    def abort(self) -> None:
        """Stop the answer from another thread: the connection is shut down, so a read
        waiting for the provider returns at once (`chunks` then raises or ends)."""
        with self._release_lock:
            # httpx marks the response closed before it hands the connection back to
            # its pool, so a pooled connection is not shut down (bar a window of a few
            # instructions between this check and the shutdown below)
            if self._released or self._response.is_closed:
                return
            stream = self._response.extensions.get("network_stream")
            sock = stream.get_extra_info("socket") if stream is not None else None
            if sock is not None:
                with contextlib.suppress(OSError):  # already closed
                    sock.shutdown(socket.SHUT_RDWR)


class UpstreamClient:
    """Sends requests to providers; their answers are read as they arrive.

    One instance per process keeps connections alive across Lambda invocations.
    Errors say which provider failed, never the URL (it may carry a key, e.g. `?key=`).
    """

    def __init__(self, transport: httpx.BaseTransport | None = None) -> None:
        self._client = httpx.Client(transport=transport, follow_redirects=False)

    def open(
        self,
        provider: str,
        method: str,
        url: str,
        headers: dict[str, str],
        body: bytes,
        timeout_s: float,
        body_timeout_s: float | None = None,
    ) -> UpstreamStream:
        """Send the request and wait for the answer's status and headers; raise
        UpstreamTimeout or UpstreamUnreachable on failure.

        `timeout_s` bounds the wait for the first part of the answer (its status and
        headers); once that came, as on Cloudflare, each read of the body may take up to
        `body_timeout_s` (default: `timeout_s`), so a slow stream is not cut off.
        """
        started = time.perf_counter()
        request = self._client.build_request(
            method, url, headers=headers, content=body, timeout=timeout_s
        )
        try:
            with telemetry.traced(f"upstream {provider}", provider=provider):
                response = self._client.send(request, stream=True)
        except httpx.TimeoutException as exc:
            raise UpstreamTimeout(
                f"provider {provider} did not answer within {timeout_s:g} s"
            ) from exc
        except httpx.TransportError as exc:
            raise UpstreamUnreachable(
                f"provider {provider} could not be reached ({type(exc).__name__})"
            ) from exc
        if body_timeout_s is not None:  # read by the transport when the body starts
            timeouts = request.extensions.get("timeout", {})
            request.extensions["timeout"] = {**timeouts, "read": body_timeout_s}
        return UpstreamStream(provider, response, started)


def _content_type(headers: list[tuple[str, str]]) -> str | None:
    for name, value in headers:
        if name.lower() == "content-type":
            return value
    return None
