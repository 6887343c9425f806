import json
from decimal import Decimal

from chalicelib.logstore.record import API_FIELDS, HEAD_BYTES, LogRecord, body_head
from tests.factories import log_record


def _record(**overrides: object) -> LogRecord:
    return log_record(duration=12, **overrides)


def test_item_round_trip_keeps_every_field() -> None:
    record = _record(
        model="gpt-4o-mini",
        tokens_in=10,
        tokens_out=5,
        cost=Decimal("0.0000045"),
        metadata={"user": "u1", "n": 3, "ok": True, "ratio": 0.5},
        event_id="evt-1",
    )
    item = record.to_item("acme#main#3")
    assert item["pk"] == "acme#main#3" and item["sk"] == record.id
    assert isinstance(item["metadata"]["ratio"], Decimal)
    assert LogRecord.from_item(item) == record


def test_unknown_usage_stays_null_not_zero() -> None:
    record = _record()
    item = record.to_item("pk")
    assert "tokens_in" not in item and "cost" not in item
    api = LogRecord.from_item(item).to_api()
    assert api["tokens_in"] is None and api["tokens_out"] is None and api["cost"] is None


def test_api_form_is_cloudflare_shaped() -> None:
    api = _record(metadata={"a": 1}, cost=Decimal("0.25")).to_api()
    assert json.loads(api["metadata"]) == {"a": 1}
    assert api["cost"] == 0.25
    assert api["model"] == ""


def test_api_form_is_the_allow_list_without_storage_details() -> None:
    stored = _record(body_key="acme/main/pack-1", body_offset=10, body_length=20)
    api = stored.to_api()
    assert tuple(api) == API_FIELDS
    assert not {"account_id", "gateway_id", "body_key", "body_offset", "body_length"} & set(api)


def test_body_head_is_bounded_and_says_if_complete() -> None:
    assert body_head(b"short") == ("short", True)
    head, complete = body_head(b"x" * (HEAD_BYTES + 1))
    assert len(head) == HEAD_BYTES and not complete
