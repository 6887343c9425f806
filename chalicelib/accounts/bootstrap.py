"""Seeding of a local deployment: the demo account, its gateway and admin token."""

from __future__ import annotations

from chalicelib import aws
from chalicelib.accounts.models import Account, Gateway
from chalicelib.accounts.store import AccountStore
from chalicelib.settings import Settings


def seed_local(settings: Settings, account_id: str, gateway_id: str, admin_token: str) -> None:
    """Create (idempotently) a paid account with one gateway and an API token."""
    store = AccountStore(aws.table(settings.control_table))
    if store.get_account(account_id) is None:
        store.put_account(Account(id=account_id, plan="paid"))
    if store.get_gateway(account_id, gateway_id) is None:
        store.put_gateway(Gateway(id=gateway_id, account_id=account_id, log_management=10_000_000))
    store.add_token(account_id, admin_token, name="admin (seeded)")
