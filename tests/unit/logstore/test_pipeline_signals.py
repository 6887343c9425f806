"""What the log pipeline tells operations and SQS: each message's group is its account
(SQS fair queues), and fallbacks, drops and re-drives are counted (chalicelib.telemetry)."""

from __future__ import annotations

import json

import pytest

from chalicelib import aws, telemetry, wiring
from chalicelib.accounts.store import AccountStore
from chalicelib.logstore.batch_writer import QueuedMessage
from chalicelib.logstore.bodies import S3BodyStore, StoredBodies
from chalicelib.logstore.messages import LogMessage
from chalicelib.logstore.redrive import redrive
from chalicelib.logstore.sink import DirectLogSink, LogEntry, QueueLogSink
from chalicelib.logstore.writes import LogPolicy, WriteOutcome
from chalicelib.settings import Settings
from tests.factories import log_record
from tests.support.tenants import Tenant

POLICY = LogPolicy(shard_count=16, evict_oldest=False)


@pytest.fixture(autouse=True)
def published(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("POWERTOOLS_METRICS_DISABLED", raising=False)
    telemetry.flush()  # nothing left from an earlier test


def _counts(out: str) -> dict[str, float]:
    counts: dict[str, float] = {}
    for line in out.splitlines():
        if '"_aws"' in line:
            emf = json.loads(line)
            for metric in emf["_aws"]["CloudWatchMetrics"][0]["Metrics"]:
                counts[metric["Name"]] = counts.get(metric["Name"], 0) + sum(emf[metric["Name"]])
    return counts


def _sink(settings: Settings, queue_url: str) -> QueueLogSink:
    store = S3BodyStore(aws.client("s3"), settings.bodies_bucket)
    return QueueLogSink(aws.client("sqs"), queue_url, store, DirectLogSink(wiring.log_admission()))


def test_each_queued_log_is_in_its_accounts_message_group(
    tenant: Tenant, settings: Settings
) -> None:
    assert settings.log_queue_url is not None
    sink = _sink(settings, settings.log_queue_url)
    for account in ("acme", "other"):
        sink.write(LogEntry(log_record(account_id=account), StoredBodies(b"q", b"a"), POLICY))
    answer = aws.client("sqs").receive_message(
        QueueUrl=settings.log_queue_url,
        MaxNumberOfMessages=10,
        MessageSystemAttributeNames=["MessageGroupId"],
    )
    groups = sorted(m["Attributes"]["MessageGroupId"] for m in answer["Messages"])
    assert groups == ["acme", "other"]


def test_a_log_the_queue_refuses_is_counted_as_a_fallback(
    tenant: Tenant, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert settings.log_queue_url is not None
    sink = _sink(settings, settings.log_queue_url.replace("aig-log-queue", "no-such-queue"))
    outcome = sink.write(LogEntry(log_record(), StoredBodies(b"q", b"a"), POLICY))
    assert outcome is WriteOutcome.STORED
    telemetry.flush()
    assert _counts(capsys.readouterr().out) == {"SinkFallbacks": 1}


def test_a_batch_counts_its_dropped_logs(
    tenant: Tenant,
    settings: Settings,
    accounts: AccountStore,
    capsys: pytest.CaptureFixture[str],
) -> None:
    accounts.update_gateway("acme", "main", {"log_management": 100})
    messages = [
        QueuedMessage(f"m-{i}", LogMessage(log_record(), POLICY, None).encode()) for i in range(105)
    ]
    result = wiring.batch_writer().write_messages(messages)
    dropped = list(result.outcomes.values()).count(WriteOutcome.DROPPED)
    assert dropped == 5
    telemetry.flush()
    assert _counts(capsys.readouterr().out) == {"LogDrops": 5}


def test_redriven_logs_are_counted(
    tenant: Tenant, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    sqs = aws.client("sqs")
    assert settings.log_queue_url is not None
    dlq = sqs.get_queue_url(QueueName="aig-log-dlq")["QueueUrl"]
    for body in ("a", "b"):
        sqs.send_message(QueueUrl=dlq, MessageBody=body)
    assert redrive(sqs, dlq, settings.log_queue_url) == 2
    telemetry.flush()
    assert _counts(capsys.readouterr().out) == {"DlqRedrives": 2}
