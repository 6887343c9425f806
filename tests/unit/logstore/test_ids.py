from collections import Counter
from datetime import UTC, datetime, timedelta

from chalicelib.logstore.ids import (
    created_at_of,
    is_log_id,
    new_log_id,
    partition_key,
    shard_of,
)
from chalicelib.timestamps import iso_utc


def test_ids_sort_by_creation_time() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    ids = [new_log_id(start + timedelta(milliseconds=i)) for i in range(50)]
    assert sorted(ids) == ids
    assert created_at_of(ids[7]) == start + timedelta(milliseconds=7)


def test_shards_fill_uniformly_even_within_one_millisecond() -> None:
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    counts = Counter(shard_of(new_log_id(moment), 16) for _ in range(16_000))
    assert set(counts) == set(range(16))
    assert min(counts.values()) > 800 and max(counts.values()) < 1200


def test_shard_is_stable_for_an_id() -> None:
    log_id = new_log_id()
    assert shard_of(log_id, 16) == shard_of(log_id, 16)


def test_is_log_id_rejects_junk() -> None:
    assert is_log_id(new_log_id())
    assert not is_log_id("../../etc/passwd")
    assert not is_log_id("")


def test_partition_key_and_iso() -> None:
    assert partition_key("acct", "gw", 3) == "acct#gw#3"
    assert iso_utc(datetime(2026, 1, 2, 3, 4, 5, 6000, tzinfo=UTC)) == "2026-01-02T03:04:05.006Z"
