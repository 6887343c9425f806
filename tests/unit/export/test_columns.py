"""The exported columns: every field of the API form, typed; the Parquet schema follows."""

from __future__ import annotations

from chalicelib.export.columns import COLUMNS, PARTITION_KEYS, athena_columns
from chalicelib.export.parquet import SCHEMA
from chalicelib.logstore import API_FIELDS


def test_every_api_field_is_a_column_and_nothing_internal_is() -> None:
    names = [name for name, _ in COLUMNS]
    assert len(names) == len(set(names))
    extras = {"account_id", "gateway_id", "request_body", "response_body"}
    assert set(names) == set(API_FIELDS) | extras
    assert not {"body_key", "body_offset", "pk", "sk"} & set(names)


def test_the_parquet_schema_and_the_athena_columns_follow_the_columns() -> None:
    assert SCHEMA.names == [name for name, _ in COLUMNS]
    assert str(SCHEMA.field("created_at").type) == "timestamp[ms, tz=UTC]"
    athena = {column["Name"]: column["Type"] for column in athena_columns()}
    assert set(athena) == {name for name, _ in COLUMNS} - set(PARTITION_KEYS)
    assert athena["cost"] == "double" and athena["tokens_in"] == "bigint"
    assert athena["normalized"] == "array<string>" and athena["created_at"] == "timestamp"
