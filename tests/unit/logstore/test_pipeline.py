"""The log pipeline: queue sink, batch writer, poller and re-drive, on moto in-process."""

from __future__ import annotations

import dataclasses
import json
from decimal import Decimal
from typing import Any

import pytest
from botocore.exceptions import EndpointConnectionError

from chalicelib import aws, wiring
from chalicelib.accounts.store import AccountStore
from chalicelib.logstore.batch_writer import BatchWriter, QueuedMessage
from chalicelib.logstore.bodies import S3BodyStore, StoredBodies
from chalicelib.logstore.consumer import BatchFailed, QueuePoller, handle_sqs_event
from chalicelib.logstore.messages import MAX_INLINE_BODY_BYTES, LogMessage
from chalicelib.logstore.reader import LogReader
from chalicelib.logstore.redrive import main as redrive_main
from chalicelib.logstore.redrive import redrive
from chalicelib.logstore.rollups import Rollups, aggregate
from chalicelib.logstore.sink import DirectLogSink, LogEntry, QueueLogSink
from chalicelib.logstore.writes import LogPolicy, WriteOutcome
from chalicelib.settings import Settings
from tests.factories import log_record
from tests.support.tenants import Tenant

POLICY = LogPolicy(shard_count=16, evict_oldest=False)


def _message(
    index: int,
    gateway: str = "main",
    body: bytes | None = None,
    account: str = "acme",
    **fields: Any,
) -> QueuedMessage:
    values = {"model": "gpt-4o-mini", "tokens_in": index, "tokens_out": 1, **fields}
    record = log_record(account_id=account, gateway_id=gateway, **values)
    bodies = StoredBodies(b'{"n": %d}' % index, body or b"\x00\xffresponse-%d" % index)
    return QueuedMessage(f"m-{record.id}", LogMessage(record, POLICY, bodies).encode())


def _stored(settings: Settings) -> list[dict[str, Any]]:
    items = aws.table(settings.logs_table).scan()["Items"]
    return [item for item in items if item["pk"].rsplit("#", 1)[-1].isdigit()]


def _objects(settings: Settings) -> list[str]:
    listed = aws.client("s3").list_objects_v2(Bucket=settings.bodies_bucket)
    return [obj["Key"] for obj in listed.get("Contents", [])]


@pytest.fixture
def batch_writer(tenant: Tenant, accounts: AccountStore) -> BatchWriter:
    accounts.create_gateway(tenant.account_id, "second", {})
    return wiring.batch_writer()


def test_batch_stores_every_log_with_one_s3_put(
    batch_writer: BatchWriter, settings: Settings, bodies: S3BodyStore, accounts: AccountStore
) -> None:
    messages = [_message(i, "main" if i % 3 else "second") for i in range(60)]
    result = batch_writer.write_messages(messages)
    assert result.failed_message_ids == [] and len(result.outcomes) == 60
    assert set(result.outcomes.values()) == {WriteOutcome.STORED}
    assert len(_stored(settings)) == 60
    assert len(_objects(settings)) == 1  # the batch's pack
    reader = LogReader(aws.table(settings.logs_table))
    for message in messages[:5]:
        record = LogMessage.decode(message.body).record
        stored = reader.get("acme", record.gateway_id, record.id, 16)
        assert stored is not None and stored.body_offset is not None
        assert bodies.get(stored.body_key or "", stored.body_offset, stored.body_length) == (
            LogMessage.decode(message.body).bodies
        )
    main = accounts.get_gateway("acme", "main")
    second = accounts.get_gateway("acme", "second")
    account = accounts.get_account("acme")
    assert main and second and account
    assert (main.stored_logs, second.stored_logs, account.stored_logs) == (40, 20, 60)


def test_redelivery_stores_and_counts_once(
    batch_writer: BatchWriter, settings: Settings, accounts: AccountStore
) -> None:
    messages = [_message(i) for i in range(30)]
    batch_writer.write_messages(messages[:20])
    again = batch_writer.write_messages(messages[10:])  # half already stored
    duplicates = [o for o in again.outcomes.values() if o is WriteOutcome.DUPLICATE]
    assert len(duplicates) == 10
    assert len(_stored(settings)) == 30
    gateway = accounts.get_gateway("acme", "main")
    assert gateway is not None and gateway.stored_logs == 30
    rows = Rollups(settings.control_table).read(
        aws.table(settings.control_table),
        "acme",
        "main",
        *_bounds(messages),
    )
    [total] = aggregate(rows, "model")
    assert total["requests"] == 30 and total["tokens_in"] == sum(range(30))


def _bounds(messages: list[QueuedMessage]) -> tuple[Any, Any]:
    from datetime import timedelta

    from chalicelib.logstore.ids import created_at_of

    moments = [created_at_of(LogMessage.decode(m.body).record.id) for m in messages]
    return min(moments) - timedelta(hours=1), max(moments) + timedelta(hours=1)


def test_a_failing_account_fails_only_its_messages(
    batch_writer: BatchWriter,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    other_tenant: Tenant,
) -> None:
    messages = [_message(i, account="acme" if i % 2 else "globex") for i in range(10)]
    admission = wiring.batch_admission()
    batch_writer = BatchWriter(admission, S3BodyStore(aws.client("s3"), settings.bodies_bucket))
    real = admission.admit_batch

    def flaky(entries: Any) -> Any:
        if entries[0][0].account_id == "globex":
            raise ConnectionError("DynamoDB is having a moment")
        return real(entries)

    monkeypatch.setattr(admission, "admit_batch", flaky)
    result = batch_writer.write_messages(messages)
    assert sorted(result.failed_message_ids) == sorted(m.message_id for m in messages[::2])
    monkeypatch.setattr(admission, "admit_batch", real)
    retry = batch_writer.write_messages(
        [m for m in messages if m.message_id in result.failed_message_ids]
    )
    assert retry.failed_message_ids == [] and len(_stored(settings)) == 10


def test_a_failed_pack_put_stores_nothing(
    batch_writer: BatchWriter, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    messages = [_message(i) for i in range(5)]
    store = S3BodyStore(aws.client("s3"), settings.bodies_bucket)
    batch_writer = BatchWriter(wiring.batch_admission(), store)

    def broken(key: str, blob: bytes) -> None:
        raise ConnectionError("S3 unavailable")

    monkeypatch.setattr(store, "put_pack", broken)
    with pytest.raises(ConnectionError):
        batch_writer.write_messages(messages)
    assert _stored(settings) == []
    monkeypatch.undo()
    assert batch_writer.write_messages(messages).failed_message_ids == []
    assert len(_stored(settings)) == 5


def test_bad_messages_are_reported_per_item(batch_writer: BatchWriter, settings: Settings) -> None:
    good = _message(1)
    response = handle_sqs_event(
        batch_writer,
        [
            {"messageId": good.message_id, "body": good.body, "receiptHandle": "a"},
            {"messageId": "junk", "body": "{not json", "receiptHandle": "b"},
            {"messageId": "alien", "body": json.dumps({"v": 99}), "receiptHandle": "c"},
        ],
    )
    assert response == {
        "batchItemFailures": [{"itemIdentifier": "alien"}, {"itemIdentifier": "junk"}]
    }
    assert len(_stored(settings)) == 1


def test_without_partial_responses_a_failed_batch_deletes_the_stored_and_raises(
    batch_writer: BatchWriter, settings: Settings
) -> None:
    good = _message(2)
    records = [
        {"messageId": good.message_id, "body": good.body, "receiptHandle": "rh-good"},
        {"messageId": "junk", "body": "{not json", "receiptHandle": "rh-junk"},
    ]
    deleted: list[list[str]] = []
    with pytest.raises(BatchFailed, match="1 of 2"):
        handle_sqs_event(batch_writer, records, deleted.append)
    assert deleted == [["rh-good"]] and len(_stored(settings)) == 1
    assert handle_sqs_event(batch_writer, records[:1], deleted.append) == {"batchItemFailures": []}


def test_deleting_a_packed_log_hides_its_bodies_only(
    batch_writer: BatchWriter, settings: Settings, bodies: S3BodyStore
) -> None:
    messages = [_message(i) for i in range(3)]
    batch_writer.write_messages(messages)
    reader = LogReader(aws.table(settings.logs_table))
    first, second = (LogMessage.decode(m.body).record for m in messages[:2])
    from chalicelib.logstore.writes import StoredLog

    stored_first = reader.get("acme", "main", first.id, 16)
    assert stored_first is not None
    wiring.log_maintenance().delete("acme", "main", [StoredLog.of(stored_first, 16)])
    assert reader.get("acme", "main", first.id, 16) is None
    kept = reader.get("acme", "main", second.id, 16)
    assert kept is not None and bodies.get(kept.body_key or "", kept.body_offset, kept.body_length)
    assert len(_objects(settings)) == 1


def test_queue_sink_poller_and_redrive(
    tenant: Tenant, settings: Settings, batch_writer: BatchWriter
) -> None:
    sqs = aws.client("sqs")
    queue_url = settings.log_queue_url
    assert queue_url is not None
    store = S3BodyStore(aws.client("s3"), settings.bodies_bucket)
    sink = QueueLogSink(sqs, queue_url, store, fallback=DirectLogSink(wiring.log_admission()))
    small = log_record()
    large = log_record()
    assert sink.write(LogEntry(small, StoredBodies(b"q", b"a"), POLICY)) is WriteOutcome.QUEUED
    big = b"x" * (MAX_INLINE_BODY_BYTES + 1)
    sink.write(LogEntry(large, StoredBodies(big, b"a"), POLICY))
    assert _objects(settings) == [f"acme/main/{large.id}"]  # too big for the message

    poller = QueuePoller(sqs, queue_url, batch_writer)
    assert poller.poll_once() == 2
    assert poller.poll_once() == 0
    reader = LogReader(aws.table(settings.logs_table))
    stored_large = reader.get("acme", "main", large.id, 16)
    assert stored_large is not None and stored_large.body_key == f"acme/main/{large.id}"

    dlq = sqs.get_queue_url(QueueName="aig-log-dlq")["QueueUrl"]
    orphan = _message(7)
    sqs.send_message(QueueUrl=dlq, MessageBody=orphan.body)
    assert redrive(sqs, dlq, queue_url) == 1
    assert poller.poll_once() == 1
    assert len(_stored(settings)) == 3
    sqs.send_message(QueueUrl=dlq, MessageBody=orphan.body)  # stored already: a no-op
    assert redrive_main([]) == 0
    assert poller.poll_once() == 1 and len(_stored(settings)) == 3


def test_the_lambda_sqs_handler_stores_a_batch(
    batch_writer: BatchWriter, settings: Settings
) -> None:
    from chalice.test import Client

    from app import app

    bodies = [_message(i).body for i in range(3)]
    with Client(app, stage_name="local") as client:
        event = client.events.generate_sqs_event(message_bodies=bodies, queue_name="aig-log-queue")
        answer = client.lambda_.invoke("write_logs", event)
    assert answer.payload == {"batchItemFailures": []}
    assert len(_stored(settings)) == 3


def test_a_batch_for_one_gateway_is_one_reservation_and_one_put_per_log(
    batch_writer: BatchWriter, settings: Settings
) -> None:
    calls: list[str] = []

    def count(model: Any, **_: Any) -> None:
        calls.append(model.name)

    client = aws.client("dynamodb")
    client.meta.events.register("before-parameter-build.dynamodb.*", count)
    try:
        result = batch_writer.write_messages([_message(i) for i in range(100)])
    finally:
        client.meta.events.unregister("before-parameter-build.dynamodb.*", count)
    assert result.failed_message_ids == [] and len(_stored(settings)) == 100
    assert sorted(set(calls)) == ["DeleteItem", "PutItem", "Query", "TransactWriteItems"]
    assert (calls.count("TransactWriteItems"), calls.count("PutItem")) == (1, 100)
    assert calls.count("Query") == 1 and calls.count("DeleteItem") == 1


def test_when_sqs_refuses_the_log_is_written_directly(tenant: Tenant, settings: Settings) -> None:
    store = S3BodyStore(aws.client("s3"), settings.bodies_bucket)
    sink = QueueLogSink(
        aws.client("sqs"),
        settings.log_queue_url.replace("aig-log-queue", "no-such-queue"),  # type: ignore[union-attr]
        store,
        fallback=DirectLogSink(wiring.log_admission()),
    )
    record = log_record()
    outcome = sink.write(LogEntry(record, StoredBodies(b"q", b"a"), POLICY))
    assert outcome is WriteOutcome.STORED
    stored = LogReader(aws.table(settings.logs_table)).get("acme", "main", record.id, 16)
    assert stored is not None and store.get(stored.body_key or "") == StoredBodies(b"q", b"a")


def _counted(accounts: AccountStore, gateway: str) -> int:
    found = accounts.get_gateway("acme", gateway)
    assert found is not None
    return found.stored_logs


def test_unstorable_values_do_not_take_the_batch_with_them(
    batch_writer: BatchWriter, settings: Settings, accounts: AccountStore
) -> None:
    """Values the edge should have refused, in a batch with normal logs of the account's
    two gateways: every log is stored once, the odd ones with their values replaced."""
    bad = [
        _message(100, metadata={"a": float("nan")}),
        _message(101, "second", metadata={"a": 1e300, "b": 10**40}),
        _message(102, model="m" * 2000),
        _message(103, "second", cost=Decimal("1e300"), custom_cost=True),
        _message(104, tokens_in=10**40),
    ]
    normal = [_message(i, "main" if i % 2 else "second") for i in range(10)]
    result = batch_writer.write_messages(normal[:5] + bad + normal[5:])
    assert result.failed_message_ids == []
    assert set(result.outcomes.values()) == {WriteOutcome.STORED}
    items = _stored(settings)
    assert sorted(item["sk"] for item in items) == sorted(result.outcomes)
    flagged = {item["sk"]: item["normalized"] for item in items if "normalized" in item}
    ids = [LogMessage.decode(m.body).record.id for m in bad]
    assert flagged == {
        ids[0]: ["metadata"],
        ids[1]: ["metadata"],
        ids[2]: ["model"],
        ids[3]: ["cost"],
        ids[4]: ["tokens_in"],
    }
    assert (_counted(accounts, "main"), _counted(accounts, "second")) == (8, 7)
    account = accounts.get_account("acme")
    assert account is not None and account.stored_logs == 15


def test_a_log_that_cannot_be_stored_fails_alone(
    batch_writer: BatchWriter, settings: Settings, accounts: AccountStore
) -> None:
    """A log that makes its account's store call fail (here an id that is no ULID) is
    retried alone and reported; the others of the batch are stored and counted once."""
    normal = [_message(i, "main" if i % 2 else "second") for i in range(9)]
    broken = dataclasses.replace(log_record(), id="not-a-ulid")
    odd = QueuedMessage("m-odd", LogMessage(broken, POLICY, None).encode())
    result = batch_writer.write_messages(normal[:4] + [odd] + normal[4:])
    assert result.failed_message_ids == ["m-odd"]
    assert len(_stored(settings)) == 9
    assert (_counted(accounts, "main"), _counted(accounts, "second")) == (4, 5)
    assert wiring.batch_admission().intents("acme") == []
    again = batch_writer.write_messages(normal + [odd])  # SQS retries it with others: no change
    assert again.failed_message_ids == ["m-odd"] and len(_stored(settings)) == 9
    assert (_counted(accounts, "main"), _counted(accounts, "second")) == (4, 5)


def test_a_full_gateway_of_unstorable_logs_counts_what_it_lists(
    batch_writer: BatchWriter, settings: Settings, accounts: AccountStore
) -> None:
    accounts.update_gateway("acme", "main", {"log_management": 100})
    bad = [_message(i, metadata={"a": float("nan")}) for i in range(100)]
    assert batch_writer.write_messages(bad).failed_message_ids == []
    listed = LogReader(aws.table(settings.logs_table))
    assert all(listed.get("acme", "main", LogMessage.decode(m.body).record.id, 16) for m in bad[:3])
    assert _counted(accounts, "main") == len(_stored(settings)) == 100


class UnreachableBodies(S3BodyStore):
    """A body store whose first put fails as an unreachable S3 does."""

    failed = False

    def put(self, key: str, bodies: StoredBodies) -> None:
        if not self.failed:
            self.failed = True
            raise EndpointConnectionError(endpoint_url="http://s3")
        super().put(key, bodies)


def test_when_s3_refuses_large_bodies_the_log_is_written_directly(
    tenant: Tenant, settings: Settings
) -> None:
    store = UnreachableBodies(aws.client("s3"), settings.bodies_bucket)
    sink = QueueLogSink(
        aws.client("sqs"),
        settings.log_queue_url,  # type: ignore[arg-type]
        store,
        fallback=DirectLogSink(wiring.log_admission()),
    )
    record, big = log_record(), StoredBodies(b"x" * (MAX_INLINE_BODY_BYTES + 1), b"a")
    assert sink.write(LogEntry(record, big, POLICY)) is WriteOutcome.STORED
    stored = LogReader(aws.table(settings.logs_table)).get("acme", "main", record.id, 16)
    assert stored is not None and store.get(stored.body_key or "") == big
