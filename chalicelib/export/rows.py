"""One exported row from one log's API form (and its bodies): every value typed for its
column. A value that does not fit (a bool where a count goes, a number out of range, a
non-finite cost, text that is not valid Unicode) becomes null, or is repaired for text,
and the column is named in the row's `normalized`, so one odd log never fails its batch."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from chalicelib.export.columns import (
    BODY_COLUMNS,
    BOOLEAN,
    COLUMNS,
    FLOAT,
    INTEGER,
    OWNER_COLUMNS,
    STRING,
    TIMESTAMP,
)
from chalicelib.logstore import created_at_of, is_log_id

Bodies = tuple[bytes | str | None, bytes | str | None]
"""A log's request and response bodies (None: not stored or not exported)."""

_INT64 = 2**63 - 1
_UNSET = object()


class Unplaceable(ValueError):
    """A record without an id or a creation time: it has no place in any hour."""


def row_of(record: Mapping[str, Any], account_id: str, gateway_id: str) -> dict[str, Any]:
    """The row of one API-form log record (see COLUMNS), its bodies null (add_bodies sets
    them); Unplaceable without an id or a creation time."""
    log_id = record.get("id")
    if not isinstance(log_id, str) or not log_id or isinstance(_text(log_id), Repaired):
        raise Unplaceable("a log record without an id")
    row: dict[str, Any] = {"account_id": account_id, "gateway_id": gateway_id}
    replaced: list[str] = []
    for name, kind in COLUMNS:
        if name in OWNER_COLUMNS or name in BODY_COLUMNS or name == "normalized":
            continue
        row[name] = _fitted(name, _KINDS[kind](record.get(name)), replaced)
    if row["created_at"] is None:
        row["created_at"] = _time_of_id(log_id)
    row.update(dict.fromkeys(BODY_COLUMNS))
    row["normalized"] = _normalized(record.get("normalized"), replaced)
    return row


def add_bodies(row: dict[str, Any], bodies: Bodies | None) -> None:
    """Set a row's body columns from a log's bodies."""
    replaced: list[str] = []
    for name, body in zip(BODY_COLUMNS, bodies or (None, None), strict=True):
        row[name] = _fitted(name, _body_text(body), replaced)
    if replaced:
        row["normalized"] = _normalized(row["normalized"], replaced)


def _fitted(name: str, value: Any, replaced: list[str]) -> Any:
    """A converted value as its column takes it (noting `name` in `replaced` when the
    value was repaired or left out)."""
    if isinstance(value, Repaired):
        replaced.append(name)
        return value.text
    if value is _UNSET:
        replaced.append(name)
        return None
    return value


def _time_of_id(log_id: str) -> datetime:
    if not is_log_id(log_id):
        raise Unplaceable("a log record without a creation time")
    return created_at_of(log_id)


def _integer(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return _UNSET
    if isinstance(value, float | Decimal):
        try:
            if value != int(value):
                return _UNSET
        except (ValueError, OverflowError):  # NaN, infinities
            return _UNSET
        value = int(value)
    return value if -_INT64 <= value <= _INT64 else _UNSET


def _float(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return _UNSET
    try:
        number = float(value)
    except (ValueError, OverflowError):  # a signalling NaN, a Decimal beyond floats
        return _UNSET
    return number if math.isfinite(number) else _UNSET


def _boolean(value: Any) -> Any:
    return value if value is None or isinstance(value, bool) else _UNSET


def _string(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, dict | list):  # metadata as an object, not yet as JSON text
        try:
            value = json.dumps(value, ensure_ascii=False, allow_nan=False)
        except (TypeError, ValueError):
            return _UNSET
    if not isinstance(value, str):
        return _UNSET
    return _text(value)


def _timestamp(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return _UNSET
    else:
        return _UNSET
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _body_text(body: bytes | str | None) -> Any:
    """A body as text: UTF-8 decoded, undecodable bytes replaced (binary bodies, such as
    audio, are not meaningful as text)."""
    if body is None:
        return None
    if isinstance(body, bytes):
        return body.decode("utf-8", errors="replace")
    if not isinstance(body, str):
        return _UNSET
    return _text(body)


@dataclass(frozen=True)
class Repaired:
    """Text that was not valid Unicode, with its lone surrogates replaced by `?`."""

    text: str


def _text(value: str) -> str | Repaired:
    """`value` if it is valid Unicode (storable as UTF-8), else Repaired."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return Repaired(value.encode("utf-8", errors="replace").decode("utf-8"))
    return value


def _normalized(given: Any, replaced: list[str]) -> list[str] | None:
    names = {name for name in given if isinstance(name, str)} if isinstance(given, list) else set()
    names.update(replaced)
    return sorted(name for name in names if isinstance(_text(name), str)) or None


_KINDS: dict[str, Callable[[Any], Any]] = {
    STRING: _string,
    INTEGER: _integer,
    FLOAT: _float,
    BOOLEAN: _boolean,
    TIMESTAMP: _timestamp,
}
