import base64
import json
from decimal import Decimal

import pytest

from chalicelib.logstore.bodies import StoredBodies
from chalicelib.logstore.messages import MAX_INLINE_BODY_BYTES, BadMessage, LogMessage, fits_inline
from chalicelib.logstore.writer import LogPolicy
from tests.factories import log_record

POLICY = LogPolicy(shard_count=8, evict_oldest=True)


def test_round_trip_keeps_record_policy_and_bodies() -> None:
    record = log_record(cost=Decimal("6E-8"), metadata={"user": "u1"}, tokens_in=3)
    bodies = StoredBodies(b"\x00\xff" * 100, b"answer " * 500, "audio/wav", "application/json")
    decoded = LogMessage.decode(LogMessage(record, POLICY, bodies).encode())
    assert decoded.record == record and decoded.policy == POLICY and decoded.bodies == bodies


def test_bodies_travel_compressed() -> None:
    bodies = StoredBodies(b"same words again " * 1000, b"{}")
    message = LogMessage(log_record(), POLICY, bodies).encode()
    assert len(message) < len(bodies.request) / 5


@pytest.mark.parametrize(
    "body",
    [
        "{not json",
        json.dumps({"v": 2}),
        json.dumps({"v": 1, "record": {}, "policy": {}, "bodies": None}),
    ],
)
def test_foreign_messages_are_refused(body: str) -> None:
    with pytest.raises(BadMessage):
        LogMessage.decode(body)


def test_corrupt_bodies_are_refused() -> None:
    payload = json.loads(LogMessage(log_record(), POLICY, StoredBodies(b"a", b"b")).encode())
    payload["bodies"] = base64.b64encode(b"not gzip").decode()
    with pytest.raises(BadMessage):
        LogMessage.decode(json.dumps(payload))


def test_inline_limit() -> None:
    assert fits_inline(StoredBodies(b"x" * MAX_INLINE_BODY_BYTES, b""))
    assert not fits_inline(StoredBodies(b"x" * MAX_INLINE_BODY_BYTES, b"y"))
