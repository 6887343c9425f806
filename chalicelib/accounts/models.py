"""Accounts, their plans and their gateways."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from chalicelib.logstore.ids import iso_utc
from chalicelib.settings import DEFAULT_SHARD_COUNT


def utc_now_iso() -> str:
    """Current time as an ISO-8601 UTC string with milliseconds."""
    return iso_utc(datetime.now(UTC))


@dataclass(frozen=True)
class Plan:
    """Entitlements of a plan."""

    name: str
    max_gateways: int
    account_log_limit: int | None
    gateway_log_default: int | None


PLANS: dict[str, Plan] = {
    "free": Plan("free", max_gateways=10, account_log_limit=100_000, gateway_log_default=None),
    "paid": Plan("paid", max_gateways=20, account_log_limit=None, gateway_log_default=10_000_000),
}


@dataclass
class Account:
    """An account: its plan and how many logs it stores."""

    id: str
    plan: str = "free"
    created_at: str = field(default_factory=utc_now_iso)
    stored_logs: int = 0

    def to_item(self) -> dict[str, Any]:
        """Return the control-table item for this account."""
        return {"pk": account_pk(self.id), "sk": ACCOUNT_SK, **asdict(self)}

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> Account:
        """Rebuild an account from its control-table item."""
        return cls(
            id=item["id"],
            plan=item["plan"],
            created_at=item["created_at"],
            stored_logs=int(item.get("stored_logs", 0)),
        )


@dataclass
class Gateway:
    """A gateway's settings (the Cloudflare fields) and its log counters."""

    id: str
    account_id: str
    collect_logs: bool = True
    cache_ttl: int | None = 0
    cache_invalidate_on_update: bool = False
    rate_limiting_interval: int | None = 0
    rate_limiting_limit: int | None = 0
    rate_limiting_technique: str | None = "fixed"
    authentication: bool = False
    log_management: int | None = None
    log_management_strategy: str | None = "STOP_INSERTING"
    retry_max_attempts: int | None = 1
    retry_delay: int | None = 0
    retry_backoff: str | None = "constant"
    shard_count: int = DEFAULT_SHARD_COUNT
    stored_logs: int = 0
    dropped_logs: int = 0
    created_at: str = field(default_factory=utc_now_iso)
    modified_at: str = field(default_factory=utc_now_iso)

    def to_item(self) -> dict[str, Any]:
        """Return the control-table item for this gateway."""
        values = {k: v for k, v in asdict(self).items() if v is not None}
        return {"pk": account_pk(self.account_id), "sk": gateway_sk(self.id), **values}

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> Gateway:
        """Rebuild a gateway from its control-table item."""
        names = cls.__dataclass_fields__
        values = {k: _plain(v) for k, v in item.items() if k in names}
        return cls(**values)

    def to_api(self) -> dict[str, Any]:
        """Return the Cloudflare-compatible JSON form (internal fields left out)."""
        out = asdict(self)
        del out["account_id"], out["shard_count"]
        return out


ACCOUNT_SK = "#ACCOUNT"


def account_pk(account_id: str) -> str:
    """Partition of the control table that holds an account and its gateways."""
    return f"ACCOUNT#{account_id}"


def gateway_sk(gateway_id: str) -> str:
    """Sort key of a gateway under its account."""
    return f"GATEWAY#{gateway_id}"


def _plain(value: Any) -> Any:
    """DynamoDB numbers come back as Decimal; gateway settings are all integers."""
    return int(value) if isinstance(value, Decimal) else value
