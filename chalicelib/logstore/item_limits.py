"""DynamoDB's limits on a log item, and a record brought within them.

Every write path makes a record storable before it counts it (`storable`), so no count,
rollup or reservation is ever taken for an item that DynamoDB would then refuse. A value
out of bounds is replaced, never rejected, and the record names what was replaced in its
`normalized` field:

- numbers must be finite, of at most 38 significant digits and within 1E-130..9.99E+125;
  the per-log figures summed into counters and rollups (tokens, sizes, durations, cost)
  are further bounded so that no sum of them can leave that range: an out-of-bounds
  figure becomes unknown (None), or 0 where the field is required;
- strings lose lone surrogates (not UTF-8) and are cut at a byte cap: provider and model
  at MAX_LABEL_BYTES (they are part of a rollup sort key, at most 1,024 bytes), the rest
  at MAX_TEXT_BYTES, so an item stays far below DynamoDB's 400 KB;
- metadata keeps at most MAX_METADATA_ENTRIES entries of strings, numbers and booleans: a
  number DynamoDB cannot hold is kept as its text, any other value is left out.

The log id and the account and gateway ids are keys chosen by the gateway, not input:
they are left alone.
"""

from __future__ import annotations

import dataclasses
import math
from datetime import datetime
from decimal import Decimal, DecimalException
from typing import Any

from boto3.dynamodb.types import DYNAMODB_CONTEXT

from chalicelib.logstore.ids import created_at_of
from chalicelib.logstore.record import LogRecord
from chalicelib.timestamps import iso_utc

MAX_MAGNITUDE = Decimal("9.9999999999999999999999999999999999999E+125")
MIN_MAGNITUDE = Decimal("1E-130")
MAX_FIGURE = 10**15
"""Bound of a per-log count (tokens, bytes, milliseconds): 10^23 logs sum within 38 digits."""
MAX_COST = Decimal(10**9)
"""Bound of one log's cost in USD (rollups sum it as integer nano-dollars)."""
COST_QUANTUM = Decimal("1E-18")
"""A cost too precise for DynamoDB is rounded to this."""
MAX_LABEL_BYTES = 256
MAX_TEXT_BYTES = 4096
MAX_METADATA_ENTRIES = 5
MAX_METADATA_KEY_BYTES = 256
MAX_METADATA_VALUE_BYTES = 1024

_KEYS = frozenset({"id", "account_id", "gateway_id"})
_LABELS = frozenset({"provider", "model"})
_FIGURES = frozenset(
    {
        "status_code",
        "duration",
        "step",
        "tokens_in",
        "tokens_out",
        "time_to_first_token",
        "feedback",
        "score",
        "request_size",
        "response_size",
        "body_offset",
        "body_length",
    }
)
_FLAGS = frozenset(
    {
        "success",
        "cached",
        "custom_cost",
        "request_head_complete",
        "response_head_complete",
        "body_truncated",
    }
)
_TEXTS = frozenset(
    f.name
    for f in dataclasses.fields(LogRecord)
    if f.name not in _KEYS | _LABELS | _FIGURES | _FLAGS
    and f.name not in {"cost", "metadata", "created_at", "normalized"}
)


def storable_number(value: Any) -> bool:
    """True when DynamoDB can store `value` (an int, float or Decimal) as a number."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return False
    if isinstance(value, float) and not math.isfinite(value):
        return False
    try:
        number = DYNAMODB_CONTEXT.create_decimal(
            Decimal(str(value)) if isinstance(value, float) else value
        )
    except DecimalException:
        return False
    return number.is_zero() or MIN_MAGNITUDE <= abs(number) <= MAX_MAGNITUDE


def storable(record: LogRecord) -> LogRecord:
    """The record itself when DynamoDB can store it as is, else a copy with the
    offending fields replaced and named in `normalized` (see the module docstring)."""
    changes: dict[str, Any] = {}
    for f in dataclasses.fields(LogRecord):
        value = getattr(record, f.name)
        if f.name in _LABELS:
            fixed = _text(value, MAX_LABEL_BYTES, _default(f))
        elif f.name in _TEXTS:
            fixed = _text(value, MAX_TEXT_BYTES, _default(f))
        elif f.name in _FIGURES:
            fixed = _figure(value, _default(f))
        elif f.name in _FLAGS:
            fixed = value if isinstance(value, bool) else _default(f)
        elif f.name == "cost":
            fixed = _cost(value)
        elif f.name == "metadata":
            fixed = _metadata(value)
        elif f.name == "created_at":
            fixed = _moment(value, record.id)
        else:
            continue
        if fixed is not value:
            changes[f.name] = fixed
    if not changes:
        return record
    flagged = sorted({*(record.normalized or []), *changes})
    return dataclasses.replace(record, **changes, normalized=flagged)


def _default(f: dataclasses.Field[Any]) -> Any:
    """What replaces an unusable value: the field's default, else 0 (a required figure)."""
    if f.default is not dataclasses.MISSING:
        return f.default
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    return 0


def _text(value: Any, max_bytes: int, default: Any) -> Any:
    """`value` if it is a storable string within `max_bytes` (UTF-8), else a fixed copy."""
    if value is None:
        return value
    if not isinstance(value, str):
        return default
    try:
        raw = value.encode()
    except UnicodeEncodeError:  # lone surrogates
        raw = value.encode(errors="replace")
    if len(raw) <= max_bytes and raw.decode() == value:
        return value
    return raw[:max_bytes].decode(errors="ignore")


def _figure(value: Any, default: Any) -> Any:
    if value is None or (storable_number(value) and abs(value) <= MAX_FIGURE):
        return value
    return default


def _cost(value: Any) -> Decimal | None:
    if value is None:
        return value
    if not isinstance(value, Decimal) or not value.is_finite() or abs(value) > MAX_COST:
        return None
    if storable_number(value):
        return value
    return value.quantize(COST_QUANTUM) if not value.is_zero() else Decimal(0)


def _metadata(value: Any) -> Any:
    if not isinstance(value, dict):
        return {}
    fixed: dict[str, Any] = {}
    for key, item in value.items():
        if len(fixed) == MAX_METADATA_ENTRIES:
            break
        name = _text(key, MAX_METADATA_KEY_BYTES, None)
        if not name:
            continue
        if isinstance(item, str):
            fixed[name] = _text(item, MAX_METADATA_VALUE_BYTES, None)
        elif isinstance(item, bool) or storable_number(item):
            fixed[name] = item
        elif isinstance(item, int | float | Decimal):
            fixed[name] = _number_text(item)
    same = fixed.keys() == value.keys() and all(fixed[k] is value[k] for k in fixed)
    return value if same else fixed


def _number_text(value: int | float | Decimal) -> str:
    """A number DynamoDB cannot hold, as text (an integer too long for the value cap in
    scientific notation: Python refuses to print integers of over 4,300 digits)."""
    if isinstance(value, int) and value.bit_length() > 3 * MAX_METADATA_VALUE_BYTES:
        return f"{Decimal(value):.6E}"
    return str(value)[:MAX_METADATA_VALUE_BYTES]


def _moment(value: Any, log_id: str) -> Any:
    """`value` if it is an ISO-8601 timestamp (rollups read its hour), else the id's time."""
    if isinstance(value, str):
        try:
            datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            return value
    return iso_utc(created_at_of(log_id))
