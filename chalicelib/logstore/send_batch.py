"""Group commit for SQS: concurrent senders share SendMessageBatch calls.

Each `send` returns only once SQS accepted (or refused) its own message, so nothing is
held in memory after a request ends (a Lambda environment may be frozen or dropped
then). There is no background thread and no timer: a sender that finds no call in
flight sends everything queued so far (up to 10 messages, 256 KiB), and the others wait
for that call or lead the next one. A lone request costs one call, as with SendMessage;
under concurrency, one call carries up to 10 logs.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the boto3 type stubs are a development dependency only
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.type_defs import SendMessageBatchRequestEntryTypeDef

MAX_BATCH_MESSAGES = 10
MAX_BATCH_BYTES = 256 * 1024
"""SQS's limits on one SendMessageBatch call."""


class MessageRefused(Exception):  # noqa: N818 - SQS's own word
    """SQS refused one message of a batch (its code and message say why)."""


@dataclass
class _Pending:
    body: str
    size: int
    group: str | None
    done: bool = False
    error: Exception | None = None


class MessageBatcher:
    """Sends messages to one queue in shared SendMessageBatch calls (see the module doc)."""

    def __init__(self, sqs: SQSClient, queue_url: str) -> None:
        self._sqs = sqs
        self._queue_url = queue_url
        self._queue: deque[_Pending] = deque()
        self._flushing = False
        self._changed = threading.Condition()

    def send(self, body: str, group: str | None = None) -> None:
        """Send one message (of message group `group`: on a standard queue, SQS fair
        queues keep one busy group from delaying the others); return once SQS accepted
        it. Raises what the call raised (BotoCoreError, ClientError) or MessageRefused
        for this message alone."""
        pending = _Pending(body, len(body.encode()), group)
        with self._changed:
            self._queue.append(pending)
        while True:
            with self._changed:
                while self._flushing and not pending.done:
                    self._changed.wait()
                if pending.done:
                    break
                self._flushing = True
                batch = self._take()
            try:
                self._send(batch)
            finally:
                with self._changed:
                    self._flushing = False
                    self._changed.notify_all()
        if pending.error is not None:
            raise pending.error

    def _take(self) -> list[_Pending]:
        batch: list[_Pending] = []
        size = 0
        while self._queue and len(batch) < MAX_BATCH_MESSAGES:
            following = self._queue[0]
            if batch and size + following.size > MAX_BATCH_BYTES:
                break
            batch.append(self._queue.popleft())
            size += following.size
        return batch

    def _send(self, batch: list[_Pending]) -> None:
        entries: list[SendMessageBatchRequestEntryTypeDef] = []
        for index, pending in enumerate(batch):
            entry: SendMessageBatchRequestEntryTypeDef = {
                "Id": str(index),
                "MessageBody": pending.body,
            }
            if pending.group is not None:
                entry["MessageGroupId"] = pending.group
            entries.append(entry)
        try:
            answer = self._sqs.send_message_batch(QueueUrl=self._queue_url, Entries=entries)
        except Exception as exc:  # every message of the call shares its fate
            for pending in batch:
                pending.error = exc
        else:
            for failed in answer.get("Failed", []):
                pending = batch[int(failed["Id"])]
                pending.error = MessageRefused(
                    f"{failed.get('Code', 'refused')}: {failed.get('Message', '')}".strip()
                )
        for pending in batch:
            pending.done = True
