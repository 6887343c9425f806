"""Log filters: the model, its validation and the matching of records against it.

A filter is a key (a log field), an operator and one or more already-typed values.
Several values of one filter are ORed (`neq` is the negation: equals none of them);
several filters are ANDed. Numbers are held as `Decimal`, times as UTC-aware datetimes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from chalicelib.logstore.record import LogRecord

STRING, NUMBER, BOOL, DATETIME = "string", "number", "bool", "datetime"

KEYS: dict[str, str] = {
    "id": STRING,
    "created_at": DATETIME,
    "request_content_type": STRING,
    "response_content_type": STRING,
    "request_type": STRING,
    "success": BOOL,
    "cached": BOOL,
    "provider": STRING,
    "model": STRING,
    "model_type": STRING,
    "cost": NUMBER,
    "tokens": NUMBER,
    "tokens_in": NUMBER,
    "tokens_out": NUMBER,
    "duration": NUMBER,
    "feedback": NUMBER,
    "event_id": STRING,
    "metadata.key": STRING,
    "metadata.value": STRING,
    "status_code": NUMBER,
    "user_agent": STRING,
}
"""Filterable keys and their value type (`metadata.value` takes strings, numbers, bools)."""

ORDERING = ("lt", "gt", "lte", "gte")
OPERATORS = ("eq", "neq", "contains", *ORDERING)
TYPE_OPERATORS: dict[str, tuple[str, ...]] = {
    STRING: ("eq", "neq", "contains"),
    NUMBER: ("eq", "neq", *ORDERING),
    BOOL: ("eq", "neq"),
    DATETIME: ("eq", "neq", *ORDERING),
}
NULLABLE = (STRING, NUMBER)
"""Types whose eq/neq accept None ("unknown")."""

SEARCHED_FIELDS = ("id", "model", "provider", "path", "event_id")
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
"""No log is older (log ids count milliseconds from 1970): earlier times are clamped to it."""


FILTER_FIELDS = ("key", "operator", "value")
"""The fields of a filter's JSON form (the logs API's `filters`, a dataset's filters)."""


class InvalidQuery(ValueError):
    """A filter that cannot be built; the message names the key, operator or value."""


def filter_parts(item: object, where: str) -> tuple[str, str, Any]:
    """The key, operator and value of a filter in its JSON form `{key, operator, value}`;
    InvalidQuery naming `where` when `item` is not one."""
    if not isinstance(item, dict):
        raise InvalidQuery(f"{where} must be an object with key, operator and value")
    extra = sorted(set(item) - set(FILTER_FIELDS))
    if extra:
        raise InvalidQuery(f"{where} has unknown fields {extra}; expected key, operator, value")
    missing = [field for field in FILTER_FIELDS if field not in item]
    if missing:
        raise InvalidQuery(f"{where} is missing {', '.join(missing)}")
    key, operator = item["key"], item["operator"]
    if not isinstance(key, str) or not isinstance(operator, str):
        raise InvalidQuery(f"{where}: key and operator must be strings")
    return key, operator, item["value"]


@dataclass(frozen=True)
class Filter:
    """One condition on a log field: `key operator values` (values ORed)."""

    key: str
    operator: str
    values: tuple[Any, ...]


def make_filter(key: str, operator: str, raw_values: Sequence[Any]) -> Filter:
    """Validate a filter and type its values (strings from a query or JSON values)."""
    kind = _key_type(key)
    _check_operator(key, kind, operator)
    if not raw_values:
        raise InvalidQuery(f"filter '{key}' {operator} needs at least one value")
    if operator in ORDERING and len(raw_values) != 1:
        raise InvalidQuery(f"filter '{key}' {operator} takes exactly one value")
    values = tuple(_coerce(key, kind, operator, raw) for raw in raw_values)
    return Filter(key, operator, values)


def matches(record: LogRecord, filters: Sequence[Filter], search: str | None = None) -> bool:
    """Return whether the record passes every filter and contains `search` (if any)."""
    if search and not _contains_text(record, search):
        return False
    return all(_matches_one(record, f) for f in filters)


def time_bounds(filters: Sequence[Filter]) -> tuple[datetime | None, datetime | None]:
    """Return the tightest inclusive (after, before) the created_at filters allow."""
    after: datetime | None = None
    before: datetime | None = None
    for f in filters:
        if f.key != "created_at" or f.operator == "neq":
            continue
        if f.operator in ("gt", "gte", "eq"):
            low = min(f.values)
            after = low if after is None else max(after, low)
        if f.operator in ("lt", "lte", "eq"):
            high = max(f.values)
            before = high if before is None else min(before, high)
    return after, before


# Validation and coercion


def _key_type(key: str) -> str:
    if key not in KEYS:
        raise InvalidQuery(f"unknown filter key '{key}'; known: {', '.join(KEYS)}")
    return KEYS[key]


def _check_operator(key: str, kind: str, operator: str) -> None:
    if operator not in OPERATORS:
        raise InvalidQuery(f"unknown filter operator '{operator}'; known: {', '.join(OPERATORS)}")
    allowed = TYPE_OPERATORS[kind]
    if operator not in allowed:
        raise InvalidQuery(
            f"operator '{operator}' is not valid for {kind} key '{key}'; "
            f"use one of: {', '.join(allowed)}"
        )


def _coerce(key: str, kind: str, operator: str, raw: Any) -> Any:
    if raw is None:
        if kind in NULLABLE and operator in ("eq", "neq"):
            return None
        raise InvalidQuery(f"filter '{key}' {operator} does not accept null")
    try:
        if key == "metadata.value":
            return _metadata_text(_as_metadata_scalar(raw))
        return _COERCERS[kind](raw)
    except (TypeError, ValueError) as exc:
        raise InvalidQuery(f"invalid value {raw!r} for filter '{key}' {operator}: {exc}") from None


def _as_string(raw: Any) -> str:
    if not isinstance(raw, str):
        raise TypeError("expected a string")
    return raw


def _as_metadata_scalar(raw: Any) -> str | int | float | bool:
    if not isinstance(raw, str | int | float | bool):
        raise TypeError("expected a string, number or boolean")
    return raw


def _as_number(raw: Any) -> Decimal:
    if isinstance(raw, bool) or not isinstance(raw, str | int | float | Decimal):
        raise TypeError("expected a number")
    try:
        number = Decimal(str(raw).strip())
    except InvalidOperation:
        raise ValueError("expected a number") from None
    if not number.is_finite():
        raise ValueError("expected a finite number")
    return number


def _as_bool(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.lower() in ("true", "false"):
        return raw.lower() == "true"
    raise TypeError("expected true or false")


def _as_datetime(raw: Any) -> datetime:
    if isinstance(raw, datetime):
        return _clamped_utc(raw)
    if not isinstance(raw, str):
        raise TypeError("expected an ISO-8601 date-time string")
    try:
        return _clamped_utc(datetime.fromisoformat(raw.strip()))
    except ValueError:
        raise ValueError("expected an ISO-8601 date-time") from None


def _clamped_utc(moment: datetime) -> datetime:
    """The moment in UTC, from EARLIEST to the end of year 9999: a time beyond that span
    (also one an offset pushes past year 1 or 9999) selects what the span's end does."""
    try:
        utc = _utc(moment)
    except OverflowError:
        return EARLIEST if moment.year == datetime.min.year else datetime.max.replace(tzinfo=UTC)
    return max(utc, EARLIEST)


_COERCERS: dict[str, Callable[[Any], Any]] = {
    STRING: _as_string,
    NUMBER: _as_number,
    BOOL: _as_bool,
    DATETIME: _as_datetime,
}


def _utc(moment: datetime) -> datetime:
    """Return the moment in UTC; a naive one is taken as UTC."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _metadata_text(value: str | int | float | bool) -> str:
    """Canonical text of a metadata value: bools as true/false, integral floats as ints."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# Matching


def _matches_one(record: LogRecord, f: Filter) -> bool:
    candidates = _candidates(record, f.key)
    if f.operator == "neq":
        return not _equals_any(f.key, candidates, f.values)
    if f.operator == "eq":
        return _equals_any(f.key, candidates, f.values)
    if f.operator == "contains":
        return any(v.casefold() in c.casefold() for c in candidates for v in f.values)
    return any(_ORDER_TESTS[f.operator](c, f.values[0]) for c in candidates)


def _equals_any(key: str, candidates: tuple[Any, ...], values: tuple[Any, ...]) -> bool:
    """eq: an unknown field (no candidates) equals only None; else any value equals."""
    if not candidates:
        return None in values
    if key == "metadata.value":
        wanted = {v.casefold() for v in values if v is not None}
        return any(c.casefold() in wanted for c in candidates)
    return any(c == v for c in candidates for v in values if v is not None)


_ORDER_TESTS: dict[str, Callable[[Any, Any], bool]] = {
    "lt": lambda field, value: field < value,
    "gt": lambda field, value: field > value,
    "lte": lambda field, value: field <= value,
    "gte": lambda field, value: field >= value,
}


def _candidates(record: LogRecord, key: str) -> tuple[Any, ...]:
    """The record's value(s) for a key: empty when unknown, several for metadata."""
    if key == "metadata.key":
        return tuple(record.metadata)
    if key == "metadata.value":
        return tuple(_metadata_text(v) for v in record.metadata.values())
    value = _field_value(record, key)
    return () if value is None else (value,)


def _field_value(record: LogRecord, key: str) -> Any:
    if key == "created_at":
        return _utc(datetime.fromisoformat(record.created_at))
    if key == "tokens":
        if record.tokens_in is None and record.tokens_out is None:
            return None
        return Decimal((record.tokens_in or 0) + (record.tokens_out or 0))
    value = getattr(record, key)
    if KEYS[key] == NUMBER and value is not None:
        return _as_number(value)
    return value


def _contains_text(record: LogRecord, search: str) -> bool:
    needle = search.casefold()
    texts = [getattr(record, name) for name in SEARCHED_FIELDS]
    texts += [str(part) for item in record.metadata.items() for part in item]
    return any(needle in text.casefold() for text in texts if text is not None)
