"""Accounts, their plans, gateways and API tokens in the control table: the models (models,
plans, the gateway settings' schema and checks), the store and its item keys, the per-account
quota counters, token hashing and local seeding. Imports chalicelib.dynamo, chalicelib.aws,
chalicelib.errors, chalicelib.settings and chalicelib.timestamps."""

from chalicelib.accounts.bootstrap import seed_local
from chalicelib.accounts.gateway_fields import parse_settings
from chalicelib.accounts.ids import ID_PATTERN
from chalicelib.accounts.item_keys import ACCOUNT_SK, account_key, is_gateway_address
from chalicelib.accounts.models import MAX_RETRY_DELAY_MS, Account, Gateway
from chalicelib.accounts.plans import PLANS, Plan
from chalicelib.accounts.quota import Quota
from chalicelib.accounts.store import AccountStore
from chalicelib.accounts.tokens import bearer_token

__all__ = [
    "ACCOUNT_SK",
    "ID_PATTERN",
    "MAX_RETRY_DELAY_MS",
    "PLANS",
    "Account",
    "AccountStore",
    "Gateway",
    "Plan",
    "Quota",
    "account_key",
    "bearer_token",
    "is_gateway_address",
    "parse_settings",
    "seed_local",
]
