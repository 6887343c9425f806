"""Keys of the control table: an account and its gateways share one partition."""

from __future__ import annotations

from chalicelib.accounts.gateway_fields import GATEWAY_ID

ACCOUNT_SK = "#ACCOUNT"
MAX_ACCOUNT_ID_LENGTH = 256
"""Longer account ids are refused as absent (a partition key holds at most 2,048 bytes)."""


def account_pk(account_id: str) -> str:
    """Partition of the control table that holds an account and its gateways."""
    return f"ACCOUNT#{account_id}"


def account_key(account_id: str) -> dict[str, str]:
    """Key of an account item."""
    return {"pk": account_pk(account_id), "sk": ACCOUNT_SK}


def gateway_key(account_id: str, gateway_id: str) -> dict[str, str]:
    """Key of a gateway item."""
    return {"pk": account_pk(account_id), "sk": f"GATEWAY#{gateway_id}"}


def is_gateway_address(account_id: str, gateway_id: str) -> bool:
    """True when a gateway may exist at (account_id, gateway_id): the gateway id is well
    formed and the account id at most 256 printable characters. Paths that fail this are
    answered as not found without a read (DynamoDB would refuse such a key)."""
    return (
        GATEWAY_ID.fullmatch(gateway_id) is not None
        and 0 < len(account_id) <= MAX_ACCOUNT_ID_LENGTH
        and account_id.isprintable()
    )
