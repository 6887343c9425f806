"""Rows from API-form records: typed values; what does not fit is null and named."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from chalicelib.export.rows import Unplaceable, add_bodies, row_of
from chalicelib.logstore import record_json
from tests.factories import log_record


def _api(**fields: Any) -> dict[str, Any]:
    return record_json(log_record(**fields))


def test_a_record_becomes_a_typed_row_with_its_owner() -> None:
    record = _api(
        tokens_in=12, tokens_out=3, cost=Decimal("0.25"), metadata={"user": "u1"}, feedback=1
    )
    row = row_of(record, "acme", "main")
    assert row["account_id"] == "acme" and row["gateway_id"] == "main"
    assert row["created_at"] == datetime.fromisoformat(record["created_at"])
    assert row["created_at"].tzinfo == UTC
    assert (row["tokens_in"], row["tokens_out"], row["cost"]) == (12, 3, 0.25)
    assert row["metadata"] == '{"user": "u1"}' and row["feedback"] == 1
    assert row["normalized"] is None and row["request_body"] is None


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("tokens_in", True),
        ("tokens_in", 2**63),
        ("tokens_in", 1.5),
        ("tokens_in", float("nan")),
        ("duration", "12"),
        ("cost", float("inf")),
        ("cost", Decimal("sNaN")),
        ("cost", Decimal("1E+999")),
        ("cost", "0.1"),
        ("success", "true"),
        ("model", 42),
        ("model", "\ud800 lone surrogate"),
        ("metadata", {"bad": float("nan")}),
        ("created_at", "yesterday"),
    ],
)
def test_a_value_that_does_not_fit_its_column_is_null_and_named(name: str, value: Any) -> None:
    row = row_of({**_api(), name: value}, "acme", "main")
    assert row["normalized"] == [name]
    if name == "model" and isinstance(value, str):
        assert row[name] == "? lone surrogate"  # text is repaired, not dropped
    elif name == "created_at":
        assert row[name] is not None  # the time the id carries
    else:
        assert row[name] is None


def test_huge_numbers_long_strings_and_odd_metadata_that_fit_are_kept() -> None:
    record = {
        **_api(),
        "tokens_in": 2**63 - 1,
        "cost": 1e300,
        "path": "p" * 100_000,
        "metadata": '{"emoji": "\U0001f600", "nested": {"a": [1, 2]}}',
        "normalized": ["cost"],
    }
    row = row_of(record, "acme", "main")
    assert row["tokens_in"] == 2**63 - 1 and row["cost"] == 1e300
    assert len(row["path"]) == 100_000 and "\U0001f600" in row["metadata"]
    assert row["normalized"] == ["cost"]  # the store's own marks are kept


@pytest.mark.parametrize("log_id", [None, "", 7, "\udcff"])
def test_a_record_without_an_id_has_no_place(log_id: Any) -> None:
    with pytest.raises(Unplaceable):
        row_of({**_api(), "id": log_id}, "acme", "main")


def test_without_a_created_at_the_id_gives_the_time_else_no_place() -> None:
    record = _api()
    row = row_of({**record, "created_at": None}, "acme", "main")
    assert row["created_at"] == datetime.fromisoformat(record["created_at"])
    with pytest.raises(Unplaceable):
        row_of({"id": "not-a-ulid", "created_at": None}, "acme", "main")


def test_bodies_are_text_undecodable_bytes_replaced() -> None:
    row = row_of(_api(), "acme", "main")
    add_bodies(row, (b'{"q": "hi"}', b"\xff\xfeaudio"))
    assert row["request_body"] == '{"q": "hi"}'
    assert row["response_body"] == "\ufffd\ufffdaudio"
    add_bodies(row, ("text", 12))  # type: ignore[arg-type]
    assert row["response_body"] is None and row["normalized"] == ["response_body"]
