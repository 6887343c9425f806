"""Accounts, their plans and their gateways."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from chalicelib.logstore.ids import iso_utc
from chalicelib.settings import DEFAULT_SHARD_COUNT


def utc_now_iso() -> str:
    """Current time as an ISO-8601 UTC string with milliseconds."""
    return iso_utc(datetime.now(UTC))


UNLIMITED = 10**15
"""The cap stored for "no cap": never reached, so every cap test is the same test."""


def limit_value(limit: int | None) -> int:
    """The stored cap for `limit` (None means no cap)."""
    return UNLIMITED if limit is None else limit


@dataclass(frozen=True)
class Plan:
    """Entitlements of a plan."""

    name: str
    max_gateways: int
    account_log_limit: int | None
    """Logs the whole account may store; None: no account-wide cap."""
    gateway_log_default: int | None
    """Per-gateway cap when the gateway sets no log_management; None: no default cap."""
    gateway_log_range: tuple[int, int]
    """Allowed values of a gateway's log_management."""


PLANS: dict[str, Plan] = {
    "free": Plan(
        "free",
        max_gateways=10,
        account_log_limit=100_000,
        gateway_log_default=None,
        gateway_log_range=(100, 100_000),
    ),
    "paid": Plan(
        "paid",
        max_gateways=20,
        account_log_limit=None,
        gateway_log_default=10_000_000,
        gateway_log_range=(100, 100_000_000),
    ),
}


@dataclass
class Account:
    """An account: its plan and its counters."""

    id: str
    plan: str = "free"
    created_at: str = field(default_factory=utc_now_iso)
    stored_logs: int = 0
    gateway_count: int = 0

    @property
    def entitlements(self) -> Plan:
        """The limits of the account's plan."""
        return PLANS[self.plan]

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> Account:
        """Rebuild an account from its control-table item."""
        return cls(**{f.name: _plain(item[f.name]) for f in fields(cls) if f.name in item})


@dataclass
class Gateway:
    """A gateway's settings (the Cloudflare fields) and its log counters."""

    id: str
    account_id: str
    collect_logs: bool = True
    cache_ttl: int | None = 0
    cache_invalidate_on_update: bool = False
    cache_key_includes_credentials: bool = False
    """Whether the client's provider key is part of cache keys (callers do not share
    answers); off by default, as on Cloudflare."""
    rate_limiting_interval: int | None = 0
    rate_limiting_limit: int | None = 0
    rate_limiting_technique: str | None = "fixed"
    authentication: bool = False
    log_management: int | None = None
    log_management_strategy: str | None = "STOP_INSERTING"
    retry_max_attempts: int | None = 1
    retry_delay: int | None = 0
    retry_backoff: str | None = "constant"
    byok_only: bool = False
    dlp: dict[str, Any] | None = None
    guardrails: dict[str, Any] | None = None
    log_classification: bool = False
    logpush: bool = False
    logpush_public_key: str | None = None
    otel: list[dict[str, Any]] | None = None
    spend_limits: dict[str, Any] | None = None
    store_id: str | None = None
    stripe: dict[str, Any] | None = None
    workers_ai_billing_mode: str | None = None
    zdr: bool = False
    shard_count: int = DEFAULT_SHARD_COUNT
    stored_logs: int = 0
    dropped_logs: int = 0
    log_limit: int = UNLIMITED
    """The stored cap on logs (internal; UNLIMITED when there is none)."""
    deleting: bool = False
    cache_generation: int = 0
    """Part of every cache key: bumping it drops the gateway's cache (internal)."""
    created_at: str = field(default_factory=utc_now_iso)
    modified_at: str = field(default_factory=utc_now_iso)

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> Gateway:
        """Rebuild a gateway from its control-table item."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: _plain(v) for k, v in item.items() if k in names})

    def to_api(self) -> dict[str, Any]:
        """Return the Cloudflare-compatible JSON form: API_FIELDS only."""
        return {name: copy.deepcopy(getattr(self, name)) for name in API_FIELDS}


CONFIG_FIELDS = (
    "collect_logs",
    "cache_ttl",
    "cache_invalidate_on_update",
    "cache_key_includes_credentials",
    "rate_limiting_interval",
    "rate_limiting_limit",
    "rate_limiting_technique",
    "authentication",
    "log_management",
    "log_management_strategy",
    "retry_max_attempts",
    "retry_delay",
    "retry_backoff",
    "byok_only",
    "dlp",
    "guardrails",
    "log_classification",
    "logpush",
    "logpush_public_key",
    "otel",
    "spend_limits",
    "store_id",
    "stripe",
    "workers_ai_billing_mode",
    "zdr",
)
"""Gateway fields a client may set."""

API_FIELDS = ("id", *CONFIG_FIELDS, "stored_logs", "dropped_logs", "created_at", "modified_at")
"""Every field a gateway shows in an answer (its settings, counters and times)."""

READ_ONLY_FIELDS = frozenset(
    {"created_at", "modified_at", "stored_logs", "dropped_logs", "deleting"}
    | {"is_default", "account_id", "account_tag", "internal_id"}
)
"""Fields of a gateway's answer (ours, then those Cloudflare adds) that a create or
update ignores rather than refuses."""


def _plain(value: Any) -> Any:
    """DynamoDB numbers come back as Decimal: integers as int, others (spend limits) as
    float, also inside maps and lists."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {key: _plain(entry) for key, entry in value.items()}
    if isinstance(value, list):
        return [_plain(entry) for entry in value]
    return value
