"""What flows through the proxy: the client's request, its answer, and upstream targets."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

from chalicelib.edge import failure, http_status
from chalicelib.errors import ApiError
from chalicelib.providers import Provider, Wire
from chalicelib.proxy.options import RequestOptions


@dataclass
class ProxyRequest:
    """A client request addressed to `/v1/{account}/{gateway}/{provider}/{path...}`."""

    account_id: str
    gateway_id: str
    provider: str
    """Provider slug; "compat" for the unified API, "" for the universal endpoint."""
    path_segments: list[str]
    method: str
    headers: Mapping[str, str]
    """Lower-case header names."""
    body: bytes = b""
    query: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class ProxyResponse:
    """What goes back to the client: a whole body, or one that streams as it arrives."""

    status: int
    headers: dict[str, str | list[str]]
    body: bytes = b""
    chunks: Iterator[bytes] | None = None
    """The body as it arrives, when it is streamed (then `body` is empty). Reading it to
    the end, or closing it early, is what finishes the request (its log is written then)."""

    def iter_body(self) -> Iterator[bytes]:
        """The body in chunks: as streamed, or the whole body as one chunk."""
        if self.chunks is not None:
            return self.chunks
        return iter((self.body,) if self.body else ())

    def read(self) -> bytes:
        """The whole body (a streamed one is read to its end)."""
        return b"".join(self.iter_body())

    @property
    def content_type(self) -> str | None:
        """The Content-Type header, if any."""
        value = self.headers.get("Content-Type")
        return value if isinstance(value, str) else None


Presenter = Callable[[ProxyResponse], ProxyResponse]
"""Turns the provider's answer into the client's (the unified API translates it)."""


def as_is(response: ProxyResponse) -> ProxyResponse:
    """The provider's answer, unchanged."""
    return response


ErrorPresenter = Callable[[ApiError], ProxyResponse]
"""The client's answer for a gateway error (unreachable provider, rate limit, ...)."""


def envelope_error(error: ApiError) -> ProxyResponse:
    """A gateway error in the Cloudflare envelope."""
    body = json.dumps(failure(error)).encode()
    return ProxyResponse(http_status(error), {"Content-Type": "application/json"}, body)


@dataclass(frozen=True)
class UpstreamCall:
    """The request sent to a provider."""

    provider: Provider
    method: str
    path_segments: list[str]
    query: list[tuple[str, str]]
    headers: dict[str, str]
    """Headers sent upstream (client credentials in, gateway and transport ones out)."""
    body: bytes

    @property
    def path(self) -> str:
        """The path after the provider slug."""
        return "/".join(self.path_segments)


@dataclass(frozen=True)
class Presentation:
    """How the client sees the answer: as the provider sent it, or translated (the
    unified API answers in OpenAI's format whatever the provider)."""

    present: Presenter = as_is
    present_error: ErrorPresenter = envelope_error
    model: str | None = None
    """The model asked for, when the upstream body does not say (translated requests)."""
    answer_format: tuple[Wire, str] | None = None
    """(wire, path) of the presented answer when it is not the provider's own format: the
    cache keeps what the client got, so a hit is read for usage in that format."""


AS_SENT = Presentation()


@dataclass(frozen=True)
class Target:
    """One upstream request made for a client request (a fallback step is one target)."""

    call: UpstreamCall
    options: RequestOptions
    logged_body: bytes
    """The request body as the client sent it: what the log stores."""
    logged_content_type: str | None
    presentation: Presentation = AS_SENT
