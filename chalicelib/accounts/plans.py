"""The plans an account can be on and what each entitles it to."""

from __future__ import annotations

from dataclasses import dataclass


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
