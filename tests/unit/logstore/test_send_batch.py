"""Group commit of log messages to SQS."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from botocore.exceptions import EndpointConnectionError

from chalicelib.logstore.send_batch import (
    MAX_BATCH_BYTES,
    MAX_BATCH_MESSAGES,
    MessageBatcher,
    MessageRefused,
)


class FakeSqs:
    """Records SendMessageBatch calls; the first call can be held until released."""

    def __init__(self, hold_first: bool = False, refuse: str | None = None) -> None:
        self.calls: list[list[str]] = []
        self.entered = threading.Event()
        self.release = threading.Event()
        if not hold_first:
            self.release.set()
        self.refuse = refuse
        self.fail: Exception | None = None

    def send_message_batch(self, QueueUrl: str, Entries: list[dict[str, str]]) -> Any:  # noqa: N803
        self.calls.append([entry["MessageBody"] for entry in Entries])
        self.entered.set()
        self.release.wait(5)
        if self.fail is not None:
            raise self.fail
        failed = [
            {"Id": entry["Id"], "Code": "InvalidMessageContents", "Message": "no"}
            for entry in Entries
            if entry["MessageBody"] == self.refuse
        ]
        return {"Successful": [], "Failed": failed}


def _send_all(batcher: MessageBatcher, bodies: list[str]) -> dict[str, Exception | None]:
    outcomes: dict[str, Exception | None] = {}

    def send(body: str) -> None:
        try:
            batcher.send(body)
            outcomes[body] = None
        except Exception as exc:
            outcomes[body] = exc

    threads = [threading.Thread(target=send, args=(body,)) for body in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    return outcomes


def test_a_lone_message_is_one_call() -> None:
    sqs = FakeSqs()
    MessageBatcher(sqs, "q").send("m")
    assert sqs.calls == [["m"]]


def test_concurrent_senders_share_calls_and_each_message_goes_once() -> None:
    sqs = FakeSqs(hold_first=True)
    batcher = MessageBatcher(sqs, "q")
    first = threading.Thread(target=batcher.send, args=("first",))
    first.start()
    assert sqs.entered.wait(5)  # the first call is in flight: the others queue up
    waiting = threading.Thread(target=lambda: _send_all(batcher, [f"m{i}" for i in range(25)]))
    waiting.start()
    while len(batcher._queue) < 25:  # noqa: SLF001 - wait until all are queued
        threading.Event().wait(0.01)
    sqs.release.set()
    waiting.join(10)
    first.join(10)
    sent = [body for call in sqs.calls for body in call]
    assert sorted(sent) == sorted(["first", *(f"m{i}" for i in range(25))])
    assert len(sqs.calls) == 1 + 3  # 25 queued messages: calls of 10, 10 and 5
    assert all(len(call) <= MAX_BATCH_MESSAGES for call in sqs.calls)


def test_a_refused_message_fails_alone() -> None:
    sqs = FakeSqs(refuse="bad")
    outcomes = _send_all(MessageBatcher(sqs, "q"), ["good", "bad", "fine"])
    assert isinstance(outcomes["bad"], MessageRefused)
    assert outcomes["good"] is None and outcomes["fine"] is None


def test_a_failed_call_fails_every_message_it_carried() -> None:
    sqs = FakeSqs()
    sqs.fail = EndpointConnectionError(endpoint_url="http://sqs")
    with pytest.raises(EndpointConnectionError):
        MessageBatcher(sqs, "q").send("m")


def test_calls_stay_within_the_payload_limit() -> None:
    sqs = FakeSqs(hold_first=True)
    batcher = MessageBatcher(sqs, "q")
    first = threading.Thread(target=batcher.send, args=("x",))
    first.start()
    assert sqs.entered.wait(5)
    big = [c * (100 * 1024) for c in "abcd"]  # 100 KiB each: two per call at most
    waiting = threading.Thread(target=lambda: _send_all(batcher, big))
    waiting.start()
    while len(batcher._queue) < 4:  # noqa: SLF001
        threading.Event().wait(0.01)
    sqs.release.set()
    waiting.join(10)
    first.join(10)
    assert all(sum(len(body) for body in call) <= MAX_BATCH_BYTES for call in sqs.calls)
    assert sorted(body for call in sqs.calls[1:] for body in call) == sorted(big)
