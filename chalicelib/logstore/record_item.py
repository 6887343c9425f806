"""The DynamoDB item of a log record: its keys, the sparse failures index, its values."""

from __future__ import annotations

from dataclasses import asdict, fields
from decimal import Decimal
from typing import Any

from chalicelib.logstore.record import LogRecord

FAILURE_INDEX = "failures"
FAILURE_INDEX_KEY = "fail_pk"

_FIELDS = frozenset(f.name for f in fields(LogRecord))


def record_item(record: LogRecord, pk: str) -> dict[str, Any]:
    """Return the DynamoDB item (None values omitted, numbers as Decimal)."""
    item: dict[str, Any] = {"pk": pk, "sk": record.id}
    if not record.success:
        item[FAILURE_INDEX_KEY] = pk  # only failed logs enter the sparse failures index
    for name, value in asdict(record).items():
        if name == "id" or value is None or value == {}:
            continue
        item[name] = _to_dynamo(value)
    return item


def record_from_item(item: dict[str, Any]) -> LogRecord:
    """Rebuild a record from its DynamoDB item."""
    values = {k: _from_dynamo(v) for k, v in item.items() if k in _FIELDS and k != "cost"}
    values["id"] = item["sk"]
    values["cost"] = item.get("cost")
    return LogRecord(**values)


def _to_dynamo(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, dict):
        return {k: _to_dynamo(v) for k, v in value.items()}
    return value


def _from_dynamo(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _from_dynamo(v) for k, v in value.items()}
    return value
