"""Keys of the control table: an account and its gateways share one partition."""

from __future__ import annotations

from chalicelib.accounts.ids import ID_PATTERN

ACCOUNT_SK = "#ACCOUNT"
_ACCOUNT_PREFIX = "ACCOUNT#"
_GATEWAY_PREFIX = "GATEWAY#"

LOGPUSH_INDEX = "logpush"
"""Sparse index of the control table (keys only): the gateways with `logpush: true`, the
only items that carry LOGPUSH_KEY, so the hourly export finds them without a scan."""
LOGPUSH_KEY = "logpush_key"
LOGPUSH_ON = "on"


def account_pk(account_id: str) -> str:
    """Partition of the control table that holds an account and its gateways."""
    return f"{_ACCOUNT_PREFIX}{account_id}"


def account_key(account_id: str) -> dict[str, str]:
    """Key of an account item."""
    return {"pk": account_pk(account_id), "sk": ACCOUNT_SK}


def gateway_key(account_id: str, gateway_id: str) -> dict[str, str]:
    """Key of a gateway item."""
    return {"pk": account_pk(account_id), "sk": f"{_GATEWAY_PREFIX}{gateway_id}"}


def gateway_address(key: dict[str, str]) -> tuple[str, str]:
    """The (account id, gateway id) of a gateway item's key (see gateway_key)."""
    return key["pk"].removeprefix(_ACCOUNT_PREFIX), key["sk"].removeprefix(_GATEWAY_PREFIX)


def is_gateway_address(account_id: str, gateway_id: str) -> bool:
    """True when a gateway may exist at (account_id, gateway_id): both ids are well formed
    (accounts.ids). Addresses that fail this are answered as not found without a read."""
    return ID_PATTERN.fullmatch(account_id) is not None and (
        ID_PATTERN.fullmatch(gateway_id) is not None
    )
