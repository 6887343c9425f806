"""Packs of bodies: the manifest, ranged reads, and compaction keeping live bodies intact."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib import aws, wiring
from chalicelib.accounts.store import AccountStore
from chalicelib.logstore.batch_writer import BatchWriter, QueuedMessage
from chalicelib.logstore.bodies import S3BodyStore, StoredBodies
from chalicelib.logstore.messages import LogMessage
from chalicelib.logstore.packs import (
    COMPACTION_MARGIN_S,
    PackCompactor,
    build_pack,
    compaction_budget_s,
    read_manifest,
)
from chalicelib.logstore.reader import LogReader
from chalicelib.logstore.record import LogRecord
from chalicelib.logstore.writes import LogPolicy, StoredLog
from chalicelib.settings import Settings
from tests.factories import log_record
from tests.support.tenants import Tenant

POLICY = LogPolicy(shard_count=16, evict_oldest=False)


def _bodies(index: int) -> StoredBodies:
    return StoredBodies(b"request %d \x00\xff" % index, b"response %d" % index * 50, "a/b", "c/d")


def test_manifest_names_every_part(settings: Settings) -> None:
    blob, parts = build_pack([(f"pk{i}", f"sk{i}", _bodies(i)) for i in range(3)])
    s3 = aws.client("s3")
    s3.put_object(Bucket=settings.bodies_bucket, Key="packs/x", Body=blob)
    assert read_manifest(s3, settings.bodies_bucket, "packs/x") == parts
    store = S3BodyStore(s3, settings.bodies_bucket)
    for index, part in enumerate(parts):
        assert store.get("packs/x", part.offset, part.length) == _bodies(index)


@pytest.fixture
def packed(tenant: Tenant, accounts: AccountStore, settings: Settings) -> list[LogRecord]:
    """Ten logs stored by one batch: one pack."""
    messages = []
    for index in range(10):
        record = log_record()
        messages.append(
            QueuedMessage(str(index), LogMessage(record, POLICY, _bodies(index)).encode())
        )
    BatchWriter(
        wiring.batch_admission(), S3BodyStore(aws.client("s3"), settings.bodies_bucket)
    ).write_messages(messages)
    reader = LogReader(aws.table(settings.logs_table))
    records = [
        reader.get("acme", "main", LogMessage.decode(m.body).record.id, 16) for m in messages
    ]
    assert all(records)
    return records  # type: ignore[return-value]


def _compactor(settings: Settings) -> PackCompactor:
    return PackCompactor(
        aws.client("s3"), settings.bodies_bucket, aws.table(settings.logs_table), min_age_s=0
    )


def _packs(settings: Settings) -> list[str]:
    listed = aws.client("s3").list_objects_v2(Bucket=settings.bodies_bucket, Prefix="packs/")
    return [obj["Key"] for obj in listed.get("Contents", [])]


def test_compaction_keeps_every_live_body_byte_identical(
    packed: list[LogRecord], settings: Settings
) -> None:
    [old_pack] = _packs(settings)
    wiring.log_maintenance().delete("acme", "main", [StoredLog.of(r, 16) for r in packed[:7]])
    report = _compactor(settings).run(budget_s=600)
    assert (report.packs_rewritten, report.parts_moved, report.packs_deleted) == (1, 3, 1)
    [new_pack] = _packs(settings)
    assert new_pack != old_pack
    reader = LogReader(aws.table(settings.logs_table))
    store = S3BodyStore(aws.client("s3"), settings.bodies_bucket)
    for index, record in enumerate(packed[7:], start=7):
        moved = reader.get("acme", "main", record.id, 16)
        assert moved is not None and moved.body_key == new_pack
        assert store.get(new_pack, moved.body_offset, moved.body_length) == _bodies(index)
    for record in packed[:7]:
        assert reader.get("acme", "main", record.id, 16) is None


def test_a_mostly_live_pack_is_left_alone(packed: list[LogRecord], settings: Settings) -> None:
    wiring.log_maintenance().delete("acme", "main", [StoredLog.of(packed[0], 16)])
    report = _compactor(settings).run(budget_s=600)
    assert report.packs_rewritten == 0 and report.packs_deleted == 0
    assert len(_packs(settings)) == 1


def test_a_dead_pack_is_deleted(packed: list[LogRecord], settings: Settings) -> None:
    wiring.log_maintenance().delete("acme", "main", [StoredLog.of(r, 16) for r in packed])
    report = _compactor(settings).run(budget_s=600)
    assert report.packs_deleted == 1 and _packs(settings) == []


def test_young_packs_wait(packed: list[LogRecord], settings: Settings) -> None:
    wiring.log_maintenance().delete("acme", "main", [StoredLog.of(r, 16) for r in packed])
    compactor = PackCompactor(
        aws.client("s3"), settings.bodies_bucket, aws.table(settings.logs_table)
    )
    assert compactor.run(budget_s=600).packs_seen == 0 and len(_packs(settings)) == 1


def test_the_scheduled_handler_runs(packed: list[LogRecord], settings: Settings) -> None:
    from chalice.test import Client

    from app import app

    with Client(app, stage_name="local") as client:
        event = client.events.generate_cw_event(
            source="aws.events", detail_type="Scheduled Event", detail={}, resources=[]
        )
        answer = client.lambda_.invoke("compact_packs", event)
    assert answer.payload["complete"] is True


def test_checking_a_pack_is_one_batch_read_per_100_parts(
    packed: list[LogRecord], settings: Settings
) -> None:
    calls: list[str] = []
    client = aws.table(settings.logs_table).meta.client

    def count(model: Any, **_: Any) -> None:
        calls.append(model.name)

    client.meta.events.register("before-parameter-build.dynamodb.*", count)
    try:
        _compactor(settings).run(budget_s=600)
    finally:
        client.meta.events.unregister("before-parameter-build.dynamodb.*", count)
    assert calls == ["BatchGetItem"]  # ten parts, all live: left alone


def _pack_batches(settings: Settings, count: int) -> None:
    writer = BatchWriter(
        wiring.batch_admission(), S3BodyStore(aws.client("s3"), settings.bodies_bucket)
    )
    for batch in range(count):
        record = log_record()
        body = LogMessage(record, POLICY, _bodies(batch)).encode()
        writer.write_messages([QueuedMessage(f"{batch}", body)])


class _Ticks:
    """A clock that advances one second each time it is read."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        self.now += 1
        return self.now


def test_a_run_out_of_time_leaves_a_checkpoint_the_next_run_continues_from(
    tenant: Tenant, settings: Settings
) -> None:
    _pack_batches(settings, 3)
    first, second, third = sorted(_packs(settings))
    short = PackCompactor(
        aws.client("s3"),
        settings.bodies_bucket,
        aws.table(settings.logs_table),
        min_age_s=0,
        clock=_Ticks(),
    )
    stopped = short.run(budget_s=1)  # time for one pack
    assert (stopped.packs_seen, stopped.complete, stopped.resumed_after) == (1, False, "")
    resumed = _compactor(settings).run(budget_s=600)
    assert resumed.resumed_after == first and resumed.packs_seen == 2 and resumed.complete
    again = _compactor(settings).run(budget_s=600)  # the listing ended: from the oldest again
    assert again.resumed_after == "" and again.packs_seen == 3
    assert sorted(_packs(settings)) == [first, second, third]  # all live: left alone


def test_the_budget_leaves_a_margin_before_the_timeout() -> None:
    assert compaction_budget_s(900) == 900 - COMPACTION_MARGIN_S
    assert compaction_budget_s(60) == 45  # a short invocation keeps a quarter
    assert compaction_budget_s(0) == 0
