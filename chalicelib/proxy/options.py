"""Every per-request option of the gateway, parsed once: the `aig-*` request headers (or
their `cf-aig-*` aliases) over the gateway's defaults.

    options = parse_options(headers, gateway, default_timeout_s, method)  # BadRequest if bad
    options.log       # collect-log, collect-log-payload, event-id, metadata, custom-cost
    options.attempts  # request-timeout, max-attempts, retry-delay, backoff
    options.cache     # cache-ttl, skip-cache, cache-key

A fallback step's headers are merged over the request's and parsed again, once per step.
(`aig-authorization` is a credential, not an option: proxy/auth.py reads it.)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from chalicelib.accounts import MAX_RETRY_DELAY_MS, Gateway
from chalicelib.cache import MAX_TTL_S, CacheOptions, is_cacheable_method
from chalicelib.edge import check_metadata
from chalicelib.errors import BadRequest
from chalicelib.proxy.custom_cost import CustomCost, parse_custom_cost
from chalicelib.proxy.retry import BACKOFFS, AttemptPolicy
from chalicelib.validation import InvalidInput, bounded_int, check_text, load_json

MAX_EVENT_ID_LENGTH = 128
MAX_CUSTOM_KEY_LENGTH = 1024
"""Longest accepted `aig-cache-key` (it is hashed, never stored)."""
MAX_ATTEMPTS = 5
MAX_REQUEST_TIMEOUT_MS = 600_000


@dataclass(frozen=True)
class LogOptions:
    """What becomes of the request's log."""

    collect_log: bool = True
    collect_log_payload: bool = True
    event_id: str | None = None
    metadata: dict[str, str | int | float | bool] = field(default_factory=dict)
    custom_cost: CustomCost | None = None
    """`aig-custom-cost`: per-token prices that replace the price table's."""


@dataclass(frozen=True)
class RequestOptions:
    """All options of one request (or one fallback step)."""

    log: LogOptions
    attempts: AttemptPolicy
    cache: CacheOptions


def aig_header(headers: Mapping[str, str], name: str) -> str | None:
    """Value of `aig-<name>` or its Cloudflare alias `cf-aig-<name>` (lower-case keys)."""
    value = headers.get(f"aig-{name}")
    return value if value is not None else headers.get(f"cf-aig-{name}")


def parse_options(
    headers: Mapping[str, str], gateway: Gateway, default_timeout_s: float, method: str
) -> RequestOptions:
    """The options of one request; BadRequest naming the first bad header."""
    return RequestOptions(
        log=log_options(headers),
        attempts=attempt_policy(headers, gateway, default_timeout_s),
        cache=cache_options(headers, gateway.cache_ttl, method),
    )


def log_options(headers: Mapping[str, str]) -> LogOptions:
    """`aig-collect-log`, `aig-collect-log-payload`, `aig-event-id`, `aig-metadata` and
    `aig-custom-cost`."""
    event_id = aig_header(headers, "event-id")
    if event_id is not None:
        try:
            check_text(event_id, MAX_EVENT_ID_LENGTH)
        except InvalidInput as exc:
            raise BadRequest(f"aig-event-id {exc}") from None
    return LogOptions(
        collect_log=_bool(headers, "collect-log", default=True),
        collect_log_payload=_bool(headers, "collect-log-payload", default=True),
        event_id=event_id,
        metadata=_metadata(aig_header(headers, "metadata")),
        custom_cost=parse_custom_cost(aig_header(headers, "custom-cost")),
    )


def attempt_policy(
    headers: Mapping[str, str], gateway: Gateway, default_timeout_s: float
) -> AttemptPolicy:
    """`aig-request-timeout` (ms to the first byte), `aig-max-attempts` (1..5),
    `aig-retry-delay` (ms) and `aig-backoff` over the gateway's `retry_*` defaults; the
    whole call stays within `default_timeout_s` (the gateway's upstream timeout)."""
    timeout_ms = _int(headers, "request-timeout", 1, MAX_REQUEST_TIMEOUT_MS)
    attempts = _int(headers, "max-attempts", 1, MAX_ATTEMPTS)
    delay_ms = _int(headers, "retry-delay", 0, MAX_RETRY_DELAY_MS)
    backoff = aig_header(headers, "backoff")
    if backoff is not None and backoff.strip().lower() not in BACKOFFS:
        raise BadRequest(f"aig-backoff must be one of {', '.join(BACKOFFS)}")
    return AttemptPolicy(
        timeout_s=default_timeout_s if timeout_ms is None else timeout_ms / 1000,
        max_attempts=attempts or gateway.retry_max_attempts or 1,
        delay_ms=(gateway.retry_delay or 0) if delay_ms is None else delay_ms,
        backoff=backoff.strip().lower() if backoff else gateway.retry_backoff or "constant",
        budget_s=default_timeout_s,
    )


def cache_options(headers: Mapping[str, str], gateway_ttl: int | None, method: str) -> CacheOptions:
    """`aig-cache-ttl` (overrides `gateway_ttl`, so it can enable or disable caching for one
    request; a gateway TTL above MAX_TTL_S is capped), `aig-skip-cache`, `aig-cache-key`."""
    try:
        ttl = _int(headers, "cache-ttl", 0, MAX_TTL_S)
    except BadRequest as exc:
        raise BadRequest(f"{exc.message} seconds (30 days)") from None
    if ttl is None:
        ttl = min(max(gateway_ttl or 0, 0), MAX_TTL_S)
    return CacheOptions(
        ttl_s=ttl,
        skip=_bool(headers, "skip-cache", default=False),
        custom_key=_custom_key(aig_header(headers, "cache-key")),
        method_cacheable=is_cacheable_method(method),
    )


def _bool(headers: Mapping[str, str], name: str, default: bool) -> bool:
    raw = aig_header(headers, name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in ("true", "1"):
        return True
    if value in ("false", "0"):
        return False
    raise BadRequest(f"aig-{name} must be true or false")


def _int(headers: Mapping[str, str], name: str, low: int, high: int) -> int | None:
    raw = aig_header(headers, name)
    if raw is None:
        return None
    try:
        return bounded_int(raw, low, high)
    except InvalidInput as exc:
        raise BadRequest(f"aig-{name} {exc}") from None


def _metadata(raw: str | None) -> dict[str, str | int | float | bool]:
    if raw is None:
        return {}
    try:
        metadata = load_json(raw)
    except InvalidInput as exc:
        raise BadRequest(f"aig-metadata {exc}; it must be a JSON object") from None
    return check_metadata(metadata, "aig-metadata")


def _custom_key(raw: str | None) -> str | None:
    if raw is None:
        return None
    if not raw.strip():
        raise BadRequest("aig-cache-key must not be empty")
    if len(raw) > MAX_CUSTOM_KEY_LENGTH:
        raise BadRequest(f"aig-cache-key is longer than {MAX_CUSTOM_KEY_LENGTH} characters")
    return raw
