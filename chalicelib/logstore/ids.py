"""Log ids (ULIDs: sortable by creation time) and the shard each id lands in."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from ulid import ULID


def new_log_id(now: datetime | None = None) -> str:
    """Return a new ULID string; ids sort by creation time to the millisecond."""
    return str(ULID.from_datetime(now) if now else ULID())


def created_at_of(log_id: str) -> datetime:
    """Return the creation time encoded in `log_id` (UTC)."""
    return ULID.from_str(log_id).datetime.astimezone(UTC)


def id_floor(moment: datetime) -> str:
    """The smallest log id of the millisecond of `moment`."""
    return str(ULID.from_bytes(_milliseconds(moment).to_bytes(6, "big") + bytes(10)))


def id_ceiling(moment: datetime) -> str:
    """The largest log id of the millisecond of `moment`."""
    return str(ULID.from_bytes(_milliseconds(moment).to_bytes(6, "big") + b"\xff" * 10))


def _milliseconds(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def is_log_id(value: str) -> bool:
    """True when `value` is a well-formed ULID string."""
    try:
        ULID.from_str(value)
    except ValueError:
        return False
    return True


def shard_of(log_id: str, shard_count: int) -> int:
    """Return the shard (0..shard_count-1) that holds `log_id`.

    Hashes the whole id, so shards fill uniformly even for ids minted in the same
    millisecond by one process (whose random parts may be sequential).
    """
    digest = hashlib.blake2b(log_id.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") % shard_count


def partition_key(account_id: str, gateway_id: str, shard: int) -> str:
    """Return the `logs` table partition key of one shard of a gateway."""
    return f"{account_id}#{gateway_id}#{shard}"


def drops_pk(account_id: str, gateway_id: str) -> str:
    """Partition of the markers of a gateway's dropped log ids (kept for a retry window)."""
    return f"{account_id}#{gateway_id}#dropped"


def intents_pk(account_id: str) -> str:
    """Partition of an account's unsettled batch intents (see logstore.batch_admission); two
    parts, so never a gateway's (three)."""
    return f"{account_id}#intents"
