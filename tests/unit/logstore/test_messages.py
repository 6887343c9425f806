import base64
import json
from decimal import Decimal

import pytest

from chalicelib.logstore.bodies import StoredBodies
from chalicelib.logstore.messages import MAX_INLINE_BODY_BYTES, BadMessage, LogMessage, fits_inline
from chalicelib.logstore.writes import LogPolicy
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


def test_values_dynamodb_cannot_store_survive_the_round_trip() -> None:
    """NaN and huge numbers travel as they are; the writers make them storable."""
    record = log_record(metadata={"nan": float("nan"), "big": 10**40}, cost=Decimal("1e300"))
    decoded = LogMessage.decode(LogMessage(record, POLICY, None).encode()).record
    assert decoded.metadata["big"] == 10**40 and decoded.cost == Decimal("1e300")
    assert decoded.metadata["nan"] != decoded.metadata["nan"]  # NaN


@pytest.mark.parametrize(
    "body",
    [
        "[" * 100_000 + "]" * 100_000,  # deeper than the interpreter's stack
        "[1, 2]",
        json.dumps({"v": 1, "record": [], "policy": {}, "bodies": None}),
        json.dumps({"v": 1, "record": {"cost": "many"}, "policy": {}, "bodies": None}),
        '{"v": 1, "n": ' + "9" * 5000 + "}",
    ],
)
def test_odd_json_is_a_bad_message(body: str) -> None:
    with pytest.raises(BadMessage):
        LogMessage.decode(body)
