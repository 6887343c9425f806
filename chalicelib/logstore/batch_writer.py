"""The log pipeline's consumer: stores a batch of queued logs, idempotently.

One batch (up to 100 SQS messages) costs one S3 PUT for all its inline bodies (packed,
each log keeping its byte range) and, per account, one reservation transaction (one
counter update per gateway and account, one rollup update per group), a conditional
PutItem per log and one settlement (see logstore.batch_admission). Redelivered messages are
stored once: a log already stored is recognised by its id and left out (its pack bytes
become garbage for compaction). Failures are reported per message, so SQS retries only
those, and sends them to the dead-letter queue after a few attempts. When an account's
logs fail together, they are stored again in halves, down to single logs, so a log that
cannot be stored fails alone and never takes the others with it (storing is idempotent,
so the retries count nothing twice).
"""

from __future__ import annotations

import dataclasses
import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from chalicelib import telemetry
from chalicelib.logstore.batch_admission import BatchAdmission
from chalicelib.logstore.bodies import S3BodyStore
from chalicelib.logstore.ids import partition_key, shard_of
from chalicelib.logstore.messages import BadMessage, LogMessage
from chalicelib.logstore.packs import build_pack, pack_key
from chalicelib.logstore.writes import WriteOutcome
from chalicelib.telemetry import Metric

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class QueuedMessage:
    """An SQS message as the consumer sees it."""

    message_id: str
    body: str


@dataclass
class BatchResult:
    """Outcome per log id, and the messages to retry."""

    outcomes: dict[str, WriteOutcome]
    failed_message_ids: list[str]


class BatchWriter:
    """Stores batches of queued logs through the BatchAdmission."""

    def __init__(self, admission: BatchAdmission, bodies: S3BodyStore) -> None:
        self._admission = admission
        self._bodies = bodies

    def write_messages(self, messages: Sequence[QueuedMessage]) -> BatchResult:
        """Store the logs of a batch; messages that could not be handled are returned."""
        decoded: list[tuple[str, LogMessage]] = []
        failed: list[str] = []
        for message in messages:
            try:
                decoded.append((message.message_id, LogMessage.decode(message.body)))
            except BadMessage:
                logger.error("message %s is not a log message", message.message_id)
                failed.append(message.message_id)
        decoded = self._pack_bodies(decoded)
        accounts: dict[str, list[tuple[str, LogMessage]]] = defaultdict(list)
        for message_id, log in decoded:
            accounts[log.record.account_id].append((message_id, log))
        outcomes: dict[str, WriteOutcome] = {}
        for group in accounts.values():
            failed.extend(self._store_isolating(group, outcomes))
        dropped = sum(outcome is WriteOutcome.DROPPED for outcome in outcomes.values())
        if dropped:
            telemetry.count(Metric.LOG_DROPS, dropped)
        return BatchResult(outcomes, failed)

    def _store_isolating(
        self, group: list[tuple[str, LogMessage]], outcomes: dict[str, WriteOutcome]
    ) -> list[str]:
        """Store one account's logs; return the ids of the messages not stored. A failed
        store is tried again in halves, so only the logs that fail alone are returned."""
        try:
            stored = self._admission.admit_batch([(log.record, log.policy) for _, log in group])
        except Exception:
            if len(group) == 1:
                [(message_id, log)] = group
                logger.exception("log %s not stored; will retry", log.record.id)
                return [message_id]
            middle = len(group) // 2
            return self._store_isolating(group[:middle], outcomes) + self._store_isolating(
                group[middle:], outcomes
            )
        outcomes.update(stored)
        return [
            message_id
            for message_id, log in group
            if stored.get(log.record.id) is WriteOutcome.FAILED
        ]

    def _pack_bodies(self, decoded: list[tuple[str, LogMessage]]) -> list[tuple[str, LogMessage]]:
        """Put the inline bodies of the batch into one S3 object; return the messages with
        each record pointing at its byte range. Raises if the PUT fails: nothing is stored
        without its bodies."""
        inline = [log for _, log in decoded if log.bodies is not None]
        if not inline:
            return decoded
        key = pack_key()
        blob, parts = build_pack(
            [(_pk(log), log.record.id, log.bodies) for log in inline if log.bodies is not None]
        )
        self._bodies.put_pack(key, blob)
        ranges = iter(parts)  # in the order of `inline`
        packed: list[tuple[str, LogMessage]] = []
        for message_id, log in decoded:
            if log.bodies is not None:
                part = next(ranges)
                record = dataclasses.replace(
                    log.record, body_key=key, body_offset=part.offset, body_length=part.length
                )
                log = dataclasses.replace(log, record=record)
            packed.append((message_id, log))
        return packed


def _pk(log: LogMessage) -> str:
    record = log.record
    return partition_key(
        record.account_id, record.gateway_id, shard_of(record.id, log.policy.shard_count)
    )
