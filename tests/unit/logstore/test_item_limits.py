"""Records made storable: every value DynamoDB would refuse is replaced and flagged."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from chalicelib import aws, dynamo, wiring
from chalicelib.logstore.item_limits import (
    MAX_LABEL_BYTES,
    MAX_METADATA_ENTRIES,
    MAX_TEXT_BYTES,
    storable,
    storable_number,
)
from chalicelib.logstore.reader import LogReader
from chalicelib.logstore.record_item import record_item
from chalicelib.logstore.writes import LogPolicy, WriteOutcome
from chalicelib.settings import Settings
from tests.factories import log_record
from tests.support.tenants import Tenant

POLICY = LogPolicy(shard_count=4, evict_oldest=False)


def _nested(depth: int) -> dict[str, Any]:
    value: dict[str, Any] = {}
    for _ in range(depth):
        value = {"a": value}
    return value


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        (0, True),
        (Decimal("0E-200"), False),  # boto3 refuses a clamped exponent
        (10**37, True),
        (10**40, False),
        (1e125, True),
        (1e126, False),
        (1e300, False),
        (1e-130, True),
        (1e-131, False),
        (float("nan"), False),
        (float("inf"), False),
        (Decimal("0.1234567890123456789012345678901234567891"), False),
        (True, False),
        ("1", False),
    ],
)
def test_storable_number_follows_dynamodb(value: Any, ok: bool) -> None:
    assert storable_number(value) is ok


def test_a_storable_record_is_returned_as_is() -> None:
    record = log_record(model="gpt-4o", metadata={"user": "u1", "n": 3, "x": 0.5, "b": True})
    assert storable(record) is record and record.normalized is None


@pytest.mark.parametrize(
    ("fields", "flagged", "expected"),
    [
        ({"metadata": {"a": float("nan"), "b": 1}}, "metadata", {"metadata": {"a": "nan", "b": 1}}),
        ({"metadata": {"a": 1e300}}, "metadata", {"metadata": {"a": "1e+300"}}),
        ({"metadata": {"a": 10**40}}, "metadata", {"metadata": {"a": str(10**40)}}),
        ({"metadata": {"a": 10**5000}}, "metadata", {"metadata": {"a": "1.000000E+5000"}}),
        ({"metadata": {"deep": _nested(5000), "k": "v"}}, "metadata", {"metadata": {"k": "v"}}),
        ({"metadata": {str(i): i for i in range(9)}}, "metadata", None),
        ({"cost": Decimal("1e300")}, "cost", {"cost": None}),
        ({"cost": Decimal("NaN")}, "cost", {"cost": None}),
        ({"cost": Decimal("1E-150")}, "cost", {"cost": Decimal(0)}),
        ({"tokens_in": 10**40}, "tokens_in", {"tokens_in": None}),
        ({"duration": 10**30}, "duration", {"duration": 0}),
        ({"score": float("nan")}, "score", {"score": None}),
        ({"model": "m" * 1100}, "model", {"model": "m" * MAX_LABEL_BYTES}),
        ({"model": "é" * 200}, "model", {"model": "é" * (MAX_LABEL_BYTES // 2)}),
        ({"model": "bad\ud800"}, "model", {"model": "bad?"}),
        ({"path": "p" * 500_000}, "path", {"path": "p" * MAX_TEXT_BYTES}),
        ({"created_at": "not a time"}, "created_at", None),
        ({"success": "yes"}, "success", {"success": False}),
    ],
)
def test_unstorable_values_are_replaced_and_flagged(
    fields: dict[str, Any], flagged: str, expected: dict[str, Any] | None
) -> None:
    record = log_record(**fields)
    fixed = storable(record)
    assert fixed is not record and fixed.normalized == [flagged]
    for name, value in (expected or {}).items():
        assert getattr(fixed, name) == value
    assert storable(fixed) is fixed  # idempotent: a redelivery normalises alike
    dynamo.attributes(record_item(fixed, "pk"))  # serialisable


def test_metadata_keeps_at_most_five_entries() -> None:
    fixed = storable(log_record(metadata={str(i): i for i in range(9)}))
    assert fixed.metadata == {str(i): i for i in range(MAX_METADATA_ENTRIES)}


def test_the_worst_record_is_stored_within_dynamodb_limits(
    tenant: Tenant, settings: Settings
) -> None:
    """Every field at once, too big or out of range: moto checks item and key sizes."""
    huge = "x" * 500_000
    record = log_record(
        model=huge,
        provider=huge,
        path=huge,
        user_agent=huge,
        error=huge,
        event_id=huge,
        request_head=huge,
        response_head=huge,
        request_content_type=huge,
        response_content_type=huge,
        model_type=huge,
        cost=Decimal("1e300"),
        tokens_in=10**40,
        tokens_out=-(10**40),
        metadata={huge + str(i): huge for i in range(10)},
    )
    outcome = wiring.log_admission().admit(record, None, POLICY)
    assert outcome is WriteOutcome.STORED
    stored = LogReader(aws.table(settings.logs_table)).get("acme", "main", record.id, 4)
    assert stored is not None and stored.normalized is not None
    assert {"model", "provider", "path", "metadata", "cost", "tokens_in"} <= set(stored.normalized)
