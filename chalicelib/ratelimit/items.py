"""Keys and attributes of the limiter's items in the control table.

Every item of one gateway shares the partition `RATE#{account}#{gateway}`, a prefix no
other control-table item uses (accounts are `ACCOUNT#`, token lookups `TOKEN#`, rollups
`ROLLUP#`). Gateway ids cannot contain `#`, so the partition names one gateway only.

Sort keys:
- `FIXED#{window start, epoch s, 12 digits}#{interval}`: one fixed-window counter;
- `SLOTS#{leaf}`: a leaf of sliding-log slots (see `sliding`), whatever the limit;
- `TREE#{limit}#{level}#{node}`: the sliding log's summary nodes for that limit.

Items expire through the TTL attribute `expires_at` (epoch seconds), set a grace period
after they stop mattering; TTL only saves storage, correctness never depends on it.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

if TYPE_CHECKING:  # the boto3 type stubs are a development dependency only
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef

PK_PREFIX = "RATE#"
FIXED_PREFIX = "FIXED#"
LEAF_PREFIX = "SLOTS#"
NODE_PREFIX = "TREE#"
TTL_ATTRIBUTE = "expires_at"
TTL_GRACE_S = 300
"""Kept this long past relevance, so a caller whose clock lags a little still finds it."""


def rate_pk(account_id: str, gateway_id: str) -> str:
    """The partition holding one gateway's limiter state."""
    return f"{PK_PREFIX}{account_id}#{gateway_id}"


def fixed_sk(window_start_s: int, interval_s: int) -> str:
    """Sort key of the counter of the window starting at `window_start_s`."""
    return f"{FIXED_PREFIX}{window_start_s:012d}#{interval_s}"


def leaf_sk(index: int) -> str:
    """Sort key of sliding-log leaf `index` (its slots do not depend on the limit)."""
    return f"{LEAF_PREFIX}{index:09d}"


def node_sk(limit: int, level: int, index: int) -> str:
    """Sort key of summary node `index` at `level` (>= 1) of the tree for `limit`."""
    return f"{NODE_PREFIX}{limit}#{level}#{index:09d}"


def key(pk: str, sk: str) -> dict[str, AttributeValueTypeDef]:
    """A low-level (wire format) primary key."""
    return {"pk": {"S": pk}, "sk": {"S": sk}}


def expiry(last_relevant_s: float) -> AttributeValueTypeDef:
    """The TTL attribute value for an item that matters until `last_relevant_s`."""
    return {"N": str(math.ceil(last_relevant_s) + TTL_GRACE_S)}


def condition_failed(error: ClientError) -> bool:
    """True if `error` is DynamoDB refusing a write because its condition was false."""
    return error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"
