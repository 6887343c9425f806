import dataclasses
import json
from decimal import Decimal

import pytest

from chalicelib.logstore.record import HEAD_BYTES, LogRecord, body_head
from chalicelib.logstore.record_api import API_FIELDS, record_json
from chalicelib.logstore.record_item import FAILURE_INDEX_KEY, record_from_item, record_item
from tests.factories import log_record


def _record(**overrides: object) -> LogRecord:
    return log_record(duration=12, **overrides)


def test_a_record_is_immutable() -> None:
    record = _record()
    with pytest.raises(dataclasses.FrozenInstanceError):
        record.body_key = "acme/main/x"
    assert dataclasses.replace(record, body_key="acme/main/x").body_key == "acme/main/x"
    assert record.body_key is None


def test_item_round_trip_keeps_every_field() -> None:
    record = _record(
        model="gpt-4o-mini",
        tokens_in=10,
        tokens_out=5,
        cost=Decimal("0.0000045"),
        metadata={"user": "u1", "n": 3, "ok": True, "ratio": 0.5},
        event_id="evt-1",
        body_key="acme/main/pack-1",
        body_offset=10,
        body_length=20,
        normalized=["model"],
    )
    item = record_item(record, "acme#main#3")
    assert item["pk"] == "acme#main#3" and item["sk"] == record.id
    assert isinstance(item["metadata"]["ratio"], Decimal)
    assert record_from_item(item) == record


def test_only_failed_logs_enter_the_failures_index() -> None:
    assert FAILURE_INDEX_KEY not in record_item(_record(), "pk")
    assert record_item(_record(success=False, status_code=500), "pk")[FAILURE_INDEX_KEY] == "pk"


def test_unknown_usage_stays_null_not_zero() -> None:
    record = _record()
    item = record_item(record, "pk")
    assert "tokens_in" not in item and "cost" not in item
    api = record_json(record_from_item(item))
    assert api["tokens_in"] is None and api["tokens_out"] is None and api["cost"] is None


def test_api_form_is_cloudflare_shaped() -> None:
    api = record_json(_record(metadata={"a": 1}, cost=Decimal("0.25")))
    assert json.loads(api["metadata"]) == {"a": 1}
    assert api["cost"] == 0.25
    assert api["model"] == ""


def test_api_form_is_exactly_the_allow_list_without_storage_details() -> None:
    stored = _record(body_key="acme/main/pack-1", body_offset=10, body_length=20)
    api = record_json(record_from_item(record_item(stored, "acme#main#3")))
    assert tuple(api) == API_FIELDS
    internal = {"pk", "sk", "fail_pk", "account_id", "gateway_id", "body_key", "body_offset"}
    assert not (internal | {"body_length"}) & set(api)


def test_body_head_is_bounded_and_says_if_complete() -> None:
    assert body_head(b"short") == ("short", True)
    head, complete = body_head(b"x" * (HEAD_BYTES + 1))
    assert len(head) == HEAD_BYTES and not complete
