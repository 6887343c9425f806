"""Where queued logs are consumed: the Lambda SQS event, and a local poller."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from chalicelib.logstore.batch_writer import BatchWriter, QueuedMessage

if TYPE_CHECKING:  # the boto3 type stubs are a development dependency only
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.type_defs import DeleteMessageBatchRequestEntryTypeDef, MessageTypeDef

logger = logging.getLogger(__name__)

MAX_BATCH = 100
"""Messages per batch, as the Lambda event source mapping is configured."""


class BatchFailed(RuntimeError):
    """Some messages of a batch were not stored; SQS delivers them again."""


def handle_sqs_event(
    writer: BatchWriter,
    records: Iterable[dict[str, Any]],
    delete_stored: Callable[[list[str]], object] | None = None,
) -> dict[str, Any]:
    """Store the logs of one SQS event; return the partial batch response.

    With an SQS trigger set to FunctionResponseTypes=ReportBatchItemFailures only the
    failed messages are retried. Chalice cannot set that, and without it Lambda would take
    the response as full success and delete the failed messages: so, given
    `delete_stored` (receipt handles -> deleted), a batch with failures deletes what was
    stored and raises BatchFailed, and SQS retries the rest either way.
    """
    records = list(records)
    messages = [QueuedMessage(r["messageId"], r["body"]) for r in records]
    failed = set(writer.write_messages(messages).failed_message_ids)
    if failed and delete_stored is not None:
        delete_stored([r["receiptHandle"] for r in records if r["messageId"] not in failed])
        raise BatchFailed(f"{len(failed)} of {len(records)} log messages were not stored")
    return {"batchItemFailures": [{"itemIdentifier": i} for i in sorted(failed)]}


class QueuePoller:
    """Local stand-in for the SQS event source (`chalice local` runs no SQS handlers):
    receives batches, stores them with the same BatchWriter, deletes what was stored."""

    def __init__(
        self, sqs: SQSClient, queue_url: str, writer: BatchWriter, idle_s: float = 0.2
    ) -> None:
        """`idle_s`: pause after an empty poll. Short polls, not SQS long polling: the local
        moto server serves one call at a time, and a long poll would hold up every other."""
        self._sqs = sqs
        self._queue_url = queue_url
        self._writer = writer
        self._idle_s = idle_s
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="log-queue-poller", daemon=True)

    def start(self) -> QueuePoller:
        """Start polling in a background thread."""
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Stop after the current batch."""
        self._stopped.set()
        self._thread.join(timeout)

    def poll_once(self) -> int:
        """Receive up to one batch, store it, delete the stored messages; return how many."""
        received: list[MessageTypeDef] = []
        while len(received) < MAX_BATCH:
            answer = self._sqs.receive_message(
                QueueUrl=self._queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0
            )
            messages = answer.get("Messages", [])
            if not messages:
                break
            received.extend(messages)
        if not received:
            return 0
        result = self._writer.write_messages(
            [QueuedMessage(m["MessageId"], m["Body"]) for m in received]
        )
        failed = set(result.failed_message_ids)
        done = [m for m in received if m["MessageId"] not in failed]
        delete_messages(self._sqs, self._queue_url, [m["ReceiptHandle"] for m in done])
        return len(done)

    def _run(self) -> None:
        while not self._stopped.is_set():
            try:
                if self.poll_once() == 0:
                    self._stopped.wait(self._idle_s)
            except Exception:
                logger.exception("log queue poll failed; retrying")
                self._stopped.wait(1.0)


def delete_messages(sqs: SQSClient, queue_url: str, receipt_handles: list[str]) -> None:
    """Delete received messages, ten per request."""
    for start in range(0, len(receipt_handles), 10):
        entries: list[DeleteMessageBatchRequestEntryTypeDef] = [
            {"Id": str(index), "ReceiptHandle": handle}
            for index, handle in enumerate(receipt_handles[start : start + 10])
        ]
        sqs.delete_message_batch(QueueUrl=queue_url, Entries=entries)
