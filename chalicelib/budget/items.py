"""Keys and attributes of the budget counters in the control table.

Partition `SPEND#{account}#{gateway}` (no other item uses the prefix; gateway ids hold no
`#`), sort key `{rule key}#{window tag}#{bucket digest}`. Attributes of a counter:
- `used`: the one number admission tests: every charge and reservation below, summed;
- `c{k}`: charges (settled amounts) of bin k (windows.Window.bin);
- `r{e}`: reservations made in lease epoch e (EPOCH_S seconds) not yet settled;
- `scope`: the partition values it counts (shown in usage); `expires_at`: TTL.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the boto3 type stubs are a development dependency only
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef

PK_PREFIX = "SPEND#"
USED = "used"
SCOPE = "scope"
TTL_ATTRIBUTE = "expires_at"
BIN_PREFIX = "c"
SLOT_PREFIX = "r"
EPOCH_S = 60
"""Reservations are grouped per minute; a group is reclaimed as a whole once expired."""
TTL_GRACE_S = 3600


def spend_pk(account_id: str, gateway_id: str) -> str:
    """The partition holding one gateway's budget counters."""
    return f"{PK_PREFIX}{account_id}#{gateway_id}"


def counter_sk(rule_key: str, window_tag: str, digest: str) -> str:
    """Sort key of one counter."""
    return f"{rule_key}#{window_tag}#{digest}"


def key(pk: str, sk: str) -> dict[str, AttributeValueTypeDef]:
    """A low-level (wire format) primary key."""
    return {"pk": {"S": pk}, "sk": {"S": sk}}


def bin_name(index: int) -> str:
    return f"{BIN_PREFIX}{index}"


def slot_name(epoch: int) -> str:
    return f"{SLOT_PREFIX}{epoch}"


def numbered(item: dict[str, AttributeValueTypeDef], prefix: str) -> dict[int, int]:
    """The `{prefix}{n}` attributes of an item, by n."""
    return {
        int(name[1:]): int(value["N"])
        for name, value in item.items()
        if name[:1] == prefix and name[1:].isdigit() and "N" in value
    }
