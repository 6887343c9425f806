"""Where finished log records go: the `LogSink` interface and its direct implementation."""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib import telemetry
from chalicelib.logstore.admission import LogAdmission
from chalicelib.logstore.bodies import S3BodyStore, StoredBodies, body_key
from chalicelib.logstore.item_limits import storable
from chalicelib.logstore.messages import LogMessage, fits_inline
from chalicelib.logstore.record import LogRecord
from chalicelib.logstore.send_batch import MessageBatcher, MessageRefused
from chalicelib.logstore.writes import LogPolicy, WriteOutcome
from chalicelib.telemetry import Metric

if TYPE_CHECKING:  # the boto3 type stubs are a development dependency only
    from mypy_boto3_sqs import SQSClient


@dataclass(frozen=True)
class LogEntry:
    """A finished record, its bodies (None when payload collection is off), its policy."""

    record: LogRecord
    bodies: StoredBodies | None
    policy: LogPolicy


logger = logging.getLogger(__name__)


class LogSink(Protocol):
    """Accepts finished log entries; implementations decide when they are stored."""

    def write(self, entry: LogEntry) -> WriteOutcome:
        """Store (or enqueue for storing) one log entry."""


class QueueLogSink:
    """Hands each entry to the log pipeline's queue: one SQS call on the hot path,
    shared by concurrent requests (logstore.send_batch: up to 10 logs per call).

    Bodies travel inside the message when they fit; larger ones are put to S3 first (a
    second call, for big requests only) and the message carries their key. When SQS
    refuses the message (or S3 the bodies), the entry goes to `fallback` (the direct
    sink), so an SQS outage costs latency, not logs; `QUEUED` means SQS accepted it.
    The record is made storable first (logstore.item_limits), so its message always
    encodes and the batch writer has nothing to refuse.
    """

    def __init__(
        self, sqs: SQSClient, queue_url: str, bodies: S3BodyStore, fallback: LogSink
    ) -> None:
        self._batcher = MessageBatcher(sqs, queue_url)
        self._bodies = bodies
        self._fallback = fallback

    def write(self, entry: LogEntry) -> WriteOutcome:
        """Enqueue one log entry; the batch writer stores it shortly."""
        record, bodies = storable(entry.record), entry.bodies
        try:
            if bodies is not None and not fits_inline(bodies):
                key = body_key(record.account_id, record.gateway_id, record.id)
                record = dataclasses.replace(record, body_key=key)
                self._bodies.put(key, bodies)
                bodies = None  # in S3 now: the fallback need not put them again
            message = LogMessage(record, entry.policy, bodies).encode()
            self._batcher.send(message, group=record.account_id)  # fair per account
        except (BotoCoreError, ClientError, MessageRefused) as exc:
            logger.warning("log %s not queued (%s); writing it directly", record.id, exc)
            telemetry.count(Metric.SINK_FALLBACKS)
            return self._fallback.write(LogEntry(record, bodies, entry.policy))
        return WriteOutcome.QUEUED


class DirectLogSink:
    """Admits and stores each entry before returning (through the LogAdmission)."""

    def __init__(self, admission: LogAdmission) -> None:
        self._admission = admission

    def write(self, entry: LogEntry) -> WriteOutcome:
        """Store one log entry now."""
        return self._admission.admit(entry.record, entry.bodies, entry.policy)
