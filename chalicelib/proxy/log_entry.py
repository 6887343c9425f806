"""The log entry (record, bodies, policy) of one upstream attempt, cache hit or rejection."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from decimal import Decimal

from chalicelib.accounts.models import Gateway
from chalicelib.logstore import (
    LogEntry,
    LogPolicy,
    LogRecord,
    StoredBodies,
    body_head,
    created_at_of,
    truncate,
)
from chalicelib.providers.sse import is_event_stream
from chalicelib.providers.usage import Usage, extract_usage, model_type
from chalicelib.proxy.cost import cost_usd
from chalicelib.proxy.exchange import ProxyRequest, ProxyResponse, Target, UpstreamCall
from chalicelib.timestamps import iso_utc
from chalicelib.validation import MAX_BODY_DEPTH, load_json, storable_text

_MODEL_SNIFF_LIMIT = 1024 * 1024
"""Request bodies larger than this are not parsed for their `model` field."""
MAX_MODEL_LENGTH = 200
"""Characters of `model` a record keeps (it is part of a rollup key, at most 1,024 bytes)."""
MAX_PATH_LENGTH = 1024
MAX_USER_AGENT_LENGTH = 512
MAX_CONTENT_TYPE_LENGTH = 256
"""Text from the exchange is recorded cut to these lengths, never refused (see
validation.storable_text): the request passes through whatever it holds."""


@dataclass(frozen=True)
class Context:
    """One client request on its way through the gateway."""

    request: ProxyRequest
    gateway: Gateway
    event_id: str | None
    """The client's `aig-event-id`, or one shared by the steps of a universal request."""


@dataclass(frozen=True)
class Outcome:
    """What one attempt produced: the provider's answer and what the client gets."""

    native: ProxyResponse
    """The provider's answer (or the gateway's error standing for it)."""
    response: ProxyResponse
    """The answer presented to the client."""
    duration_ms: int
    first_byte_ms: int | None = None
    error: str | None = None
    cached: bool = False
    response_size: int | None = None
    """Bytes the client got, when `response.body` holds only their first MAX_BODY_BYTES
    (a relayed stream)."""


@dataclass(frozen=True)
class Measure:
    """What one outcome used and cost: the log records it, spend limits are settled with it."""

    usage: Usage
    model: str | None
    cost: Decimal | None
    """USD; 0 for a cache hit, None when unknown."""


def measure(target: Target, outcome: Outcome) -> Measure:
    """Usage, model and cost of one outcome."""
    options, call, native = target.options.log, target.call, outcome.native
    wire, path = call.provider.wire, call.path
    if outcome.cached and target.presentation.answer_format is not None:
        wire, path = target.presentation.answer_format  # the cache holds the presented answer
    usage = (
        extract_usage(wire, path, native.body, native.content_type)
        if 200 <= native.status < 300
        else Usage()
    )
    model = usage.model or target.presentation.model or requested_model(call)
    if outcome.cached:
        cost: Decimal | None = Decimal(0)
    elif options.custom_cost is not None:
        cost = options.custom_cost.cost_usd(usage)
    else:
        cost = cost_usd(call.provider.price_id, model, usage)
    return Measure(usage, model, cost)


def log_entry(
    log_id: str,
    context: Context,
    target: Target,
    step: int,
    outcome: Outcome,
    measured: Measure | None = None,
) -> LogEntry:
    """The log entry of one outcome (`measured`, when already known), its bodies unless
    the client opted out."""
    options, request, call = target.options.log, context.request, target.call
    native, response = outcome.native, outcome.response
    measured = measured or measure(target, outcome)
    usage, model, cost = measured.usage, measured.model, measured.cost
    streamed = is_event_stream(native.content_type)
    response_size = len(response.body) if outcome.response_size is None else outcome.response_size
    request_head, request_complete = body_head(target.logged_body)
    response_head, response_complete = body_head(response.body)
    if not options.collect_log_payload:
        request_head, response_head = "", ""
    record = LogRecord(
        id=log_id,
        created_at=iso_utc(created_at_of(log_id)),
        account_id=request.account_id,
        gateway_id=request.gateway_id,
        provider=call.provider.slug,
        path=storable_text(call.path, MAX_PATH_LENGTH) or "",
        status_code=response.status,
        success=200 <= response.status < 300 and outcome.error is None,
        duration=outcome.duration_ms,
        model=storable_text(model, MAX_MODEL_LENGTH),
        model_type=model_type(call.provider.wire, call.path),
        cached=outcome.cached,
        step=step,
        tokens_in=usage.tokens_in,
        tokens_out=usage.tokens_out,
        cost=cost,
        custom_cost=options.custom_cost is not None and not outcome.cached,
        time_to_first_token=outcome.first_byte_ms if streamed else None,
        metadata=options.metadata,
        event_id=context.event_id,
        request_size=len(target.logged_body),
        response_size=response_size,
        request_content_type=storable_text(target.logged_content_type, MAX_CONTENT_TYPE_LENGTH),
        response_content_type=storable_text(response.content_type, MAX_CONTENT_TYPE_LENGTH),
        request_head=request_head,
        response_head=response_head,
        request_head_complete=request_complete,
        response_head_complete=response_complete,
        user_agent=storable_text(request.headers.get("user-agent"), MAX_USER_AGENT_LENGTH),
        error=outcome.error,
    )
    bodies = None
    if options.collect_log_payload:
        bodies = StoredBodies(
            request=truncate(target.logged_body)[0],
            response=truncate(response.body)[0],
            request_content_type=record.request_content_type,
            response_content_type=record.response_content_type,
        )
        truncated = len(bodies.request) < len(target.logged_body) or (
            len(bodies.response) < response_size
        )
        record = dataclasses.replace(record, body_truncated=truncated)
    policy = LogPolicy(
        shard_count=context.gateway.shard_count,
        evict_oldest=context.gateway.log_management_strategy == "DELETE_OLDEST",
    )
    return LogEntry(record, bodies, policy)


def requested_model(call: UpstreamCall) -> str | None:
    """The model the client asked for: Gemini names it in the path, others in the body."""
    path, body = call.path, call.body
    in_path = call.provider.wire.model_in_path
    if in_path is not None and (named := in_path(path)) is not None:
        return named or None
    if not body or len(body) > _MODEL_SNIFF_LIMIT or body[:1] not in (b"{", b" ", b"\n"):
        return None
    try:
        model = load_json(body, MAX_BODY_DEPTH).get("model")
    except (ValueError, AttributeError):  # not JSON, too deep or not an object: opaque
        return None
    return model if isinstance(model, str) else None
