"""Object keys: Hive partitions by account, gateway and date; one object per hour."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chalicelib.export.layout import hour_key


def test_an_hour_has_one_key_under_its_partitions() -> None:
    key = hour_key("acme", "main", datetime(2026, 6, 1, 9, tzinfo=UTC))
    assert key == "account_id=acme/gateway_id=main/date=2026-06-01/09.parquet"


@pytest.mark.parametrize(("account", "gateway"), [("../x", "main"), ("acme", "a/b"), ("", "g")])
def test_ids_that_could_leave_their_partition_are_refused(account: str, gateway: str) -> None:
    with pytest.raises(ValueError, match="not a valid"):
        hour_key(account, gateway, datetime(2026, 6, 1, tzinfo=UTC))
