"""Where an export puts each hour: Hive-style partitions by account, gateway and date.

    account_id=<account>/gateway_id=<gateway>/date=<YYYY-MM-DD>/<HH>.parquet

One object per hour, named by the hour alone, so exporting an hour again replaces its
object (never a second copy): each log is in exactly one object per export destination.
"""

from __future__ import annotations

from datetime import datetime

from chalicelib.accounts import ID_PATTERN


def hour_key(account_id: str, gateway_id: str, hour: datetime) -> str:
    """The key (relative to the destination) of one hour's object of a gateway."""
    for name, value in (("account id", account_id), ("gateway id", gateway_id)):
        if ID_PATTERN.fullmatch(value) is None:
            raise ValueError(f"not a valid {name}: {value[:70]!r}")
    return f"account_id={account_id}/gateway_id={gateway_id}/date={hour:%Y-%m-%d}/{hour:%H}.parquet"
