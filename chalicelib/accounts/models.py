"""Accounts and their gateways (the plans they are on: accounts/plans.py)."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from chalicelib.accounts import gateway_shapes as newer
from chalicelib.accounts.plans import PLANS, Plan
from chalicelib.accounts.settings_schema import (
    INTERNAL_FIELD,
    SETTING,
    SHOWN,
    SHOWN_FIELD,
    names,
    setting,
    setting_by_plan,
)
from chalicelib.accounts.shapes import boolean, choice, integer, nullable
from chalicelib.errors import BadRequest
from chalicelib.settings import DEFAULT_SHARD_COUNT
from chalicelib.timestamps import iso_utc


def utc_now_iso() -> str:
    """Current time as an ISO-8601 UTC string with milliseconds."""
    return iso_utc(datetime.now(UTC))


UNLIMITED = 10**15
"""The cap stored for "no cap": never reached, so every cap test is the same test."""


def limit_value(limit: int | None) -> int:
    """The stored cap for `limit` (None means no cap)."""
    return UNLIMITED if limit is None else limit


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


MAX_CACHE_TTL_S = 30 * 24 * 3600
MAX_RATE_LIMIT_INTERVAL_S = 24 * 3600
MAX_RETRY_DELAY_MS = 60_000
"""Longest delay between retries, for the gateway's `retry_delay` and `aig-retry-delay` alike
(the range the Cloudflare API documents for `retry_delay`)."""


def _log_management(name: str, value: Any, plan: Plan) -> int | None:
    """A gateway's cap on logs: within the plan's range, or null (the plan's default)."""
    if value is None:
        return None
    low, high = plan.gateway_log_range
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise BadRequest(
            f"log_management must be an integer from {low:,} to {high:,} on the {plan.name} plan"
        )
    return value


@dataclass
class Gateway:
    """A gateway's settings (the Cloudflare fields) and its log counters.

    Each field is declared once, with its role (accounts/settings_schema.py): a setting, with
    its default and its check (`setting`); a field answers show but no client sets
    (SHOWN_FIELD); or an internal one (INTERNAL_FIELD). Answers show the settings and the
    shown fields, in this order.
    """

    id: str = field(metadata=SHOWN_FIELD)
    account_id: str = field(metadata=INTERNAL_FIELD)
    collect_logs: bool = setting(True, boolean())
    cache_ttl: int | None = setting(0, nullable(integer(0, MAX_CACHE_TTL_S)))
    cache_invalidate_on_update: bool = setting(False, boolean())
    cache_key_includes_credentials: bool = setting(False, boolean())
    """Whether the client's provider key is part of cache keys (callers do not share
    answers); off by default, as on Cloudflare."""
    rate_limiting_interval: int | None = setting(0, nullable(integer(0, MAX_RATE_LIMIT_INTERVAL_S)))
    rate_limiting_limit: int | None = setting(0, nullable(integer(0, 10**9)))
    rate_limiting_technique: str | None = setting("fixed", nullable(choice("fixed", "sliding")))
    authentication: bool = setting(False, boolean())
    log_management: int | None = setting_by_plan(None, _log_management)
    log_management_strategy: str | None = setting(
        "STOP_INSERTING", nullable(choice("STOP_INSERTING", "DELETE_OLDEST"))
    )
    retry_max_attempts: int | None = setting(1, nullable(integer(1, 5)))
    retry_delay: int | None = setting(0, nullable(integer(0, MAX_RETRY_DELAY_MS)))
    retry_backoff: str | None = setting(
        "constant", nullable(choice("constant", "linear", "exponential"))
    )
    byok_only: bool = setting(False, newer.SWITCH)
    dlp: dict[str, Any] | None = setting(None, newer.DLP)
    guardrails: dict[str, Any] | None = setting(None, newer.GUARDRAILS)
    log_classification: bool = setting(False, newer.SWITCH)
    logpush: bool = setting(False, newer.SWITCH)
    logpush_public_key: str | None = setting(None, newer.PUBLIC_KEY)
    otel: list[dict[str, Any]] | None = setting(None, newer.OTEL)
    spend_limits: dict[str, Any] | None = setting(None, newer.SPEND_LIMITS)
    store_id: str | None = setting(None, newer.STORE_ID)
    stripe: dict[str, Any] | None = setting(None, newer.STRIPE)
    workers_ai_billing_mode: str | None = setting(None, newer.BILLING_MODE)
    zdr: bool = setting(False, newer.SWITCH)
    shard_count: int = field(default=DEFAULT_SHARD_COUNT, metadata=INTERNAL_FIELD)
    stored_logs: int = field(default=0, metadata=SHOWN_FIELD)
    dropped_logs: int = field(default=0, metadata=SHOWN_FIELD)
    log_limit: int = field(default=UNLIMITED, metadata=INTERNAL_FIELD)
    """The stored cap on logs (UNLIMITED when there is none)."""
    deleting: bool = field(default=False, metadata=INTERNAL_FIELD)
    cache_generation: int = field(default=0, metadata=INTERNAL_FIELD)
    """Part of every cache key: bumping it drops the gateway's cache."""
    created_at: str = field(default_factory=utc_now_iso, metadata=SHOWN_FIELD)
    modified_at: str = field(default_factory=utc_now_iso, metadata=SHOWN_FIELD)

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> Gateway:
        """Rebuild a gateway from its control-table item."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: _plain(v) for k, v in item.items() if k in known})

    def to_api(self) -> dict[str, Any]:
        """Return the Cloudflare-compatible JSON form: API_FIELDS only."""
        return {name: copy.deepcopy(getattr(self, name)) for name in API_FIELDS}


CONFIG_FIELDS = names(Gateway, SETTING)
"""Gateway fields a client may set."""

API_FIELDS = names(Gateway, SETTING, SHOWN)
"""Every field a gateway shows in an answer (its settings, counters and times)."""

READ_ONLY_FIELDS = frozenset(
    {name for name in names(Gateway, SHOWN) if name != "id"}
    | {"deleting", "spend_usage"}
    | {"is_default", "account_id", "account_tag", "internal_id"}
)
"""Fields of a gateway's answer (ours: the shown ones but id, the `deleting` a delete
answers with and the `spend_usage` a read shows; then those Cloudflare adds) that a create
or update ignores rather than refuses."""


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
