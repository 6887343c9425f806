"""Seeding of a local deployment: the demo account, its gateway and admin token."""

from __future__ import annotations

from chalicelib import aws
from chalicelib.accounts.store import AccountStore
from chalicelib.settings import Settings


def seed_local(settings: Settings, account_id: str, gateway_id: str, admin_token: str) -> None:
    """Create (idempotently) a paid account with one gateway and an API token."""
    store = AccountStore(aws.table(settings.control_table), aws.client("dynamodb"))
    if store.get_account(account_id) is None:
        store.create_account(account_id, plan="paid")
    if store.get_gateway(account_id, gateway_id) is None:
        store.create_gateway(account_id, gateway_id, {})
    if store.account_of_token(admin_token) is None:
        store.issue_token(account_id, "admin (seeded)", token=admin_token)
