"""ParquetFile: rows to one zstd Parquet file, in bounded row groups."""

from __future__ import annotations

import io
from datetime import timedelta

import pyarrow.parquet as pq
import pytest

from chalicelib.export import parquet
from chalicelib.export.parquet import ParquetFile
from chalicelib.export.rows import add_bodies, row_of
from chalicelib.logstore import created_at_of, new_log_id, record_json
from tests.factories import log_record


def _row(index: int, body: bytes = b"") -> dict[str, object]:
    log_id = new_log_id(created_at_of(new_log_id()) + timedelta(milliseconds=index))
    row = row_of(record_json(log_record(log_id, tokens_in=index)), "acme", "main")
    add_bodies(row, (body, None))
    return row


def test_rows_are_written_in_row_groups_of_bounded_rows_and_body_bytes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(parquet, "ROW_GROUP_ROWS", 4)
    monkeypatch.setattr(parquet, "ROW_GROUP_BYTES", 1000)
    file = ParquetFile()
    for index in range(10):
        file.add(_row(index))
    file.add(_row(10, b"x" * 1000))  # over the bytes bound on its own
    file.add(_row(11))
    data = file.finish()
    metadata = pq.ParquetFile(io.BytesIO(data)).metadata
    assert [metadata.row_group(i).num_rows for i in range(metadata.num_row_groups)] == [4, 4, 3, 1]
    assert metadata.row_group(0).column(0).compression == "ZSTD"
    table = pq.read_table(io.BytesIO(data))
    assert table.schema == parquet.SCHEMA and file.rows == 12
    assert table.column("tokens_in").to_pylist() == list(range(12))
