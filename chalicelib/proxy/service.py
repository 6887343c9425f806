"""The proxy: one client request in, the provider's answer out, one log record written."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

from chalicelib.api.envelope import failure
from chalicelib.api.errors import ApiError, BadRequest, NotFound
from chalicelib.logstore.bodies import StoredBodies, truncate
from chalicelib.logstore.ids import created_at_of, iso_utc, new_log_id
from chalicelib.logstore.record import LogRecord, body_head
from chalicelib.logstore.sink import LogEntry, LogSink
from chalicelib.logstore.writer import LogPolicy, WriteOutcome
from chalicelib.proxy.cost import cost_usd
from chalicelib.proxy.gateway_cache import GatewaySource
from chalicelib.proxy.headers import (
    GatewayOptions,
    downstream_headers,
    parse_options,
    upstream_headers,
)
from chalicelib.proxy.providers import PROVIDERS, Provider, get_provider, upstream_url
from chalicelib.proxy.upstream import UpstreamClient, UpstreamResponse
from chalicelib.proxy.usage import Usage, extract_usage, model_type

logger = logging.getLogger(__name__)

_MODEL_SNIFF_LIMIT = 1024 * 1024
"""Request bodies larger than this are not parsed for their `model` field."""


@dataclass
class ProxyRequest:
    """A client request addressed to `/v1/{account}/{gateway}/{provider}/{path...}`."""

    account_id: str
    gateway_id: str
    provider: str
    path_segments: list[str]
    method: str
    headers: Mapping[str, str]
    """Lower-case header names."""
    body: bytes = b""
    query: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class ProxyResponse:
    """What goes back to the client."""

    status: int
    headers: dict[str, str | list[str]]
    body: bytes


class ProxyService:
    """Proxies requests to providers and logs each one through a LogSink."""

    def __init__(
        self,
        accounts: GatewaySource,
        sink: LogSink,
        upstream: UpstreamClient,
        upstream_timeout_s: float,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self._accounts = accounts
        self._sink = sink
        self._upstream = upstream
        self._timeout_s = upstream_timeout_s
        self._env = env

    def handle(self, request: ProxyRequest) -> ProxyResponse:
        """Proxy one request; raise ApiError for requests that cannot be proxied at all."""
        provider = get_provider(request.provider, self._env)
        if provider is None:
            known = ", ".join(sorted(PROVIDERS))
            raise BadRequest(f"unknown provider {request.provider!r}; known: {known}")
        gateway = self._accounts.get_gateway(request.account_id, request.gateway_id)
        if gateway is None or gateway.deleting:
            raise NotFound(f"gateway {request.account_id}/{request.gateway_id} not found")
        options = parse_options(request.headers)

        log_id = new_log_id()
        started = time.perf_counter()
        url = upstream_url(provider, request.path_segments, request.query)
        try:
            answer = self._upstream.send(
                provider.slug,
                request.method,
                url,
                upstream_headers(request.headers),
                request.body,
                self._timeout_s,
            )
            response = ProxyResponse(answer.status, downstream_headers(answer.headers), answer.body)
            error = None
        except ApiError as exc:
            answer = None
            response = ProxyResponse(
                exc.status,
                {"Content-Type": "application/json"},
                json.dumps(failure(exc)).encode(),
            )
            error = exc.message
        duration_ms = round((time.perf_counter() - started) * 1000)

        if not (gateway.collect_logs and options.collect_log):
            response.headers["aig-log-status"] = "skipped"
            return response
        record = self._record(request, provider, options, log_id, duration_ms, answer, response)
        record.error = error
        bodies = (
            StoredBodies(
                request=truncate(request.body)[0],
                response=truncate(response.body)[0],
                request_content_type=record.request_content_type,
                response_content_type=record.response_content_type,
            )
            if options.collect_log_payload
            else None
        )
        record.body_truncated = bodies is not None and (
            len(bodies.request) < len(request.body) or len(bodies.response) < len(response.body)
        )
        policy = LogPolicy(
            shard_count=gateway.shard_count,
            evict_oldest=gateway.log_management_strategy == "DELETE_OLDEST",
        )
        try:
            outcome = self._sink.write(LogEntry(record, bodies, policy))
        except Exception:
            logger.exception("log %s could not be written", log_id)
            response.headers["aig-log-status"] = "failed"
            return response
        if outcome is not WriteOutcome.DROPPED:
            response.headers["aig-log-id"] = log_id
        response.headers["aig-log-status"] = outcome.value
        return response

    def _record(
        self,
        request: ProxyRequest,
        provider: Provider,
        options: GatewayOptions,
        log_id: str,
        duration_ms: int,
        answer: UpstreamResponse | None,
        response: ProxyResponse,
    ) -> LogRecord:
        path = "/".join(request.path_segments)
        response_type = answer.content_type if answer else "application/json"
        usage = (
            extract_usage(provider.wire, path, answer.body, response_type)
            if answer and 200 <= answer.status < 300
            else Usage()
        )
        model = usage.model or _requested_model(provider, path, request.body)
        streamed = (response_type or "").startswith("text/event-stream")
        request_head, request_complete = body_head(request.body)
        response_head, response_complete = body_head(response.body)
        if not options.collect_log_payload:
            request_head, response_head = "", ""
        return LogRecord(
            id=log_id,
            created_at=iso_utc(created_at_of(log_id)),
            account_id=request.account_id,
            gateway_id=request.gateway_id,
            provider=provider.slug,
            path=path,
            status_code=response.status,
            success=200 <= response.status < 300,
            duration=duration_ms,
            model=model,
            model_type=model_type(provider.wire, path),
            tokens_in=usage.tokens_in,
            tokens_out=usage.tokens_out,
            cost=cost_usd(provider.price_id, model, usage),
            time_to_first_token=answer.first_byte_ms if answer and streamed else None,
            metadata=options.metadata,
            event_id=options.event_id,
            request_size=len(request.body),
            response_size=len(response.body),
            request_content_type=request.headers.get("content-type"),
            response_content_type=response_type,
            request_head=request_head,
            response_head=response_head,
            request_head_complete=request_complete,
            response_head_complete=response_complete,
            user_agent=request.headers.get("user-agent"),
        )


def _requested_model(provider: Provider, path: str, body: bytes) -> str | None:
    """The model the client asked for: Gemini names it in the path, others in the body."""
    if provider.wire == "google" and "models/" in path:
        return path.split("models/", 1)[1].split(":", 1)[0] or None
    if not body or len(body) > _MODEL_SNIFF_LIMIT or body[:1] not in (b"{", b" ", b"\n"):
        return None
    try:
        model = json.loads(body).get("model")
    except (ValueError, AttributeError):
        return None
    return model if isinstance(model, str) else None
