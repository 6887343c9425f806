"""export_records: API-form records of a window to one object per hour, each log once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from chalicelib import aws
from chalicelib.export import LocalDir, Window, export_records, hour_key
from chalicelib.logstore import new_log_id, record_json
from chalicelib.settings import Settings
from tests.factories import log_record
from tests.unit.export.helpers import query

T = datetime(2026, 6, 1, 10, tzinfo=UTC)
H = timedelta(hours=1)
WINDOW = Window(T, T + 3 * H)


def _records(*offsets: timedelta, **fields: Any) -> list[dict[str, Any]]:
    return [record_json(log_record(new_log_id(T + offset), **fields)) for offset in offsets]


def test_each_hour_with_logs_is_one_object_and_each_log_one_row(tmp_path: Path) -> None:
    records = _records(timedelta(minutes=1), timedelta(minutes=2), H + timedelta(minutes=3))
    report = export_records(
        reversed(records),
        account_id="acme",
        gateway_id="main",
        window=WINDOW,
        destination=str(tmp_path),
    )
    assert (report.logs, report.files, report.removed) == (3, 2, 1)
    files = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.parquet"))
    assert files == [hour_key("acme", "main", T), hour_key("acme", "main", T + H)]
    assert report.bytes == sum(p.stat().st_size for p in tmp_path.rglob("*.parquet"))
    rows = query(tmp_path, "SELECT id, account_id, gateway_id, date FROM logs ORDER BY id")
    assert [row[0] for row in rows] == sorted(r["id"] for r in records)
    assert {row[1:3] for row in rows} == {("acme", "main")}
    assert {str(row[3]) for row in rows} == {"2026-06-01"}


def test_records_outside_the_window_repeated_or_without_a_place_are_left_out(
    tmp_path: Path,
) -> None:
    inside = _records(timedelta(minutes=5))
    records = [
        *inside,
        *inside,  # the logs API can answer a log twice while new logs shift its pages
        *_records(-timedelta(seconds=1), 3 * H),
        {"id": None},
        {"id": "not-a-ulid", "created_at": "never"},
    ]
    report = export_records(
        records, account_id="acme", gateway_id="main", window=WINDOW, destination=str(tmp_path)
    )
    assert (report.logs, report.duplicates, report.outside, report.unplaceable) == (1, 1, 2, 2)


def test_a_window_exported_again_replaces_its_hours(tmp_path: Path) -> None:
    first = _records(timedelta(minutes=1), H + timedelta(minutes=1))
    export_records(
        first, account_id="acme", gateway_id="main", window=WINDOW, destination=str(tmp_path)
    )
    late = _records(timedelta(minutes=30))  # arrived after the first export
    again = [first[0], *late]  # and the second hour's log was deleted meanwhile
    report = export_records(
        again, account_id="acme", gateway_id="main", window=WINDOW, destination=str(tmp_path)
    )
    assert (report.logs, report.files, report.removed) == (2, 1, 2)
    ids = [row[0] for row in query(tmp_path, "SELECT id FROM logs ORDER BY id")]
    assert ids == sorted([first[0]["id"], late[0]["id"]])
    assert not list(tmp_path.rglob("*.tmp"))


def test_bodies_are_asked_only_for_the_logs_written(tmp_path: Path) -> None:
    records = _records(timedelta(minutes=1), 5 * H)
    asked: list[str] = []

    def bodies(log_id: str) -> tuple[bytes, bytes]:
        asked.append(log_id)
        return b"request " + log_id.encode(), b"\xffresponse"

    export_records(
        records,
        account_id="acme",
        gateway_id="main",
        window=WINDOW,
        destination=LocalDir(tmp_path),
        bodies=bodies,
    )
    assert asked == [records[0]["id"]]
    ((request, response),) = query(tmp_path, "SELECT request_body, response_body FROM logs")
    assert request == f"request {records[0]['id']}" and response == "\ufffdresponse"


def test_hostile_values_do_not_break_the_batch(tmp_path: Path) -> None:
    good = _records(timedelta(minutes=1), cost=Decimal("0.5"), tokens_in=10)
    odd = {
        **_records(timedelta(minutes=2))[0],
        "cost": float("nan"),
        "tokens_in": 10**30,
        "tokens_out": -(2**63) - 5,
        "model": "m" * 1_000_000,
        "metadata": '{"k": "\\u0000 \\ud800"}',
        "user_agent": "\udcff",
        "score": True,
    }
    report = export_records(
        [*good, odd],
        account_id="acme",
        gateway_id="main",
        window=WINDOW,
        destination=str(tmp_path),
    )
    assert report.logs == 2
    rows = query(
        tmp_path, "SELECT cost, tokens_in, length(model), normalized FROM logs ORDER BY created_at"
    )
    assert rows[0][:2] == (0.5, 10)
    cost, tokens, model_length, normalized = rows[1]
    assert cost is None and tokens is None and model_length == 1_000_000
    assert normalized == ["cost", "score", "tokens_in", "tokens_out", "user_agent"]


def test_an_s3_destination_holds_the_same_objects(settings: Settings) -> None:
    records = _records(timedelta(minutes=1), 2 * H)
    target = f"s3://{settings.bodies_bucket}/some/prefix/"
    report = export_records(
        records, account_id="acme", gateway_id="main", window=WINDOW, destination=target
    )
    listed = aws.client("s3").list_objects_v2(Bucket=settings.bodies_bucket, Prefix="some/")
    keys = sorted(obj["Key"] for obj in listed["Contents"])
    assert keys == [
        "some/prefix/" + hour_key("acme", "main", T),
        "some/prefix/" + hour_key("acme", "main", T + 2 * H),
    ]
    assert report.files == 2 and report.removed == 1


@pytest.mark.parametrize("target", ["s3://", "s3:///prefix"])
def test_an_s3_destination_names_its_bucket(target: str) -> None:
    with pytest.raises(ValueError, match="no bucket"):
        export_records([], account_id="a", gateway_id="g", window=WINDOW, destination=target)


def test_ids_are_checked_before_any_record_is_read(tmp_path: Path) -> None:
    consumed: list[int] = []
    records = (consumed.append(1) or record for record in _records(timedelta(minutes=1)))
    with pytest.raises(ValueError, match="not a valid gateway id"):
        export_records(
            records, account_id="acme", gateway_id="A/B", window=WINDOW, destination=str(tmp_path)
        )
    assert consumed == [] and not list(tmp_path.iterdir())
