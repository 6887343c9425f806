"""Checks for hostile input: bounded JSON, storable numbers and text, bounded integers.

Framework-free: problems raise InvalidInput (a ValueError) whose message says what is
wrong without quoting the value; callers prefix the header or field it came from.
"""

from __future__ import annotations

import json
import math
import re
from decimal import Decimal
from typing import Any

MAX_JSON_DEPTH = 64
"""Nesting of JSON in headers, query parameters and management API bodies."""
MAX_BODY_DEPTH = 128
"""Nesting of model request bodies the gateway parses (unified API, universal endpoint)."""
MAX_JSON_INT_DIGITS = 1_000
"""Longest integer literal parsed from JSON (Python refuses int() over 4,300 digits)."""
MAX_API_BODY_BYTES = 64 * 1024
"""Largest management API body (gateway settings, log edits): far under DynamoDB's 400 KB."""
MAX_HEADER_INT_DIGITS = 15
"""Longest integer read from a header or config value (every bound we use is shorter)."""

DYNAMO_DIGITS = 38
DYNAMO_MAX = Decimal("9.9999999999999999999999999999999999999E+125")
DYNAMO_MIN = Decimal("1E-130")
"""DynamoDB numbers: 38 digits, magnitude 1E-130 to 9.99...E+125 (or 0). Digits count as
written (boto3 refuses `10**40` though DynamoDB could hold 1E+40)."""

_TOKENS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]', re.DOTALL)
"""JSON strings (skipped whole) and brackets: what the depth scan looks at."""


class InvalidInput(ValueError):
    """A value refused at the edge; the message names the problem, never the value."""


def load_json(data: str | bytes, max_depth: int = MAX_JSON_DEPTH, exact: bool = False) -> Any:
    """Parse JSON nested at most `max_depth` levels, without NaN or Infinity, with finite
    numbers and integers of at most MAX_JSON_INT_DIGITS digits; numbers are Decimal when
    `exact`. Raises InvalidInput saying what is wrong."""
    text = _text(data)
    _check_depth(text, max_depth)
    number = Decimal if exact else float
    try:
        return json.loads(
            text,
            parse_constant=_refuse_constant,
            parse_float=lambda raw: _finite(number(raw)),
            parse_int=lambda raw: _integer(raw, number if exact else int),
        )
    except InvalidInput:
        raise
    except ValueError:
        raise InvalidInput("is not valid JSON") from None


def api_body(data: bytes) -> Any:
    """A management API body: at most MAX_API_BODY_BYTES of JSON nested at most
    MAX_JSON_DEPTH levels, every number and text in it storable as it is."""
    if len(data) > MAX_API_BODY_BYTES:
        raise InvalidInput(f"is larger than {MAX_API_BODY_BYTES // 1024} KB")
    return check_storable(load_json(data))


def storable_number(value: int | float | Decimal) -> Decimal:
    """`value` as a Decimal DynamoDB stores exactly; InvalidInput when it cannot."""
    if isinstance(value, bool):
        raise InvalidInput("is a boolean, not a number")
    number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    if not number.is_finite():
        raise InvalidInput("is not a finite number")
    if number.is_zero():
        return Decimal(0)
    if len(number.as_tuple().digits) > DYNAMO_DIGITS:
        raise InvalidInput(f"has more than {DYNAMO_DIGITS} digits")
    if not DYNAMO_MIN <= number.copy_abs() <= DYNAMO_MAX:
        raise InvalidInput("is out of range (magnitude 1E-130 to 9.99E+125)")
    return number


def check_text(value: str, max_length: int) -> str:
    """`value` when it is at most `max_length` characters of valid Unicode."""
    if len(value) > max_length:
        raise InvalidInput(f"is longer than {max_length} characters")
    if not _is_unicode(value):
        raise InvalidInput("is not valid Unicode")
    return value


def storable_text(value: str | None, max_length: int) -> str | None:
    """`value` cut to `max_length` characters, invalid Unicode replaced: for text the
    gateway only records (it never refuses a request for it)."""
    if value is None:
        return None
    cut = value[:max_length]
    return cut if _is_unicode(cut) else cut.encode("utf-8", "replace").decode("utf-8")


def check_storable(value: Any) -> Any:
    """`value` (parsed JSON) when every number and text in it can be stored as it is."""
    _walk(value, numbers=True)
    return value


def check_unicode(value: Any) -> Any:
    """`value` (parsed JSON) when all its text is valid Unicode (UTF-8 can encode it)."""
    _walk(value, numbers=False)
    return value


def bounded_int(raw: str, low: int, high: int) -> int:
    """The decimal integer `raw` (surrounding spaces allowed) within [low, high]."""
    value = raw.strip()
    if not (value.isascii() and value.isdigit()) or len(value) > MAX_HEADER_INT_DIGITS:
        raise InvalidInput(f"must be an integer from {low} to {high}")
    number = int(value)
    if not low <= number <= high:
        raise InvalidInput(f"must be an integer from {low} to {high}")
    return number


def _text(data: str | bytes) -> str:
    if isinstance(data, str):
        return data
    try:
        return data.decode(json.detect_encoding(data))
    except (UnicodeDecodeError, LookupError):
        raise InvalidInput("is not valid JSON (bad text encoding)") from None


def _check_depth(text: str, max_depth: int) -> None:
    """Refuse nesting over `max_depth` before parsing (json recurses once per level)."""
    depth = 0
    for token in _TOKENS.finditer(text):
        first = text[token.start()]
        if first in "[{":
            depth += 1
            if depth > max_depth:
                raise InvalidInput(f"is nested deeper than {max_depth} levels")
        elif first in "]}":
            depth -= 1


def _walk(item: Any, numbers: bool, path: tuple[Any, ...] = ()) -> None:
    """Check every text of `item` and, when `numbers`, every number. Recursive: `item`
    comes from load_json, so its depth is bounded; `path` is (parent path, key) pairs,
    spelled out only in an error."""
    if isinstance(item, dict):
        for key, child in item.items():
            if not _is_unicode(key):
                raise InvalidInput(f"has a key that is not valid Unicode in {_spell(path)}")
            _walk(child, numbers, (path, key))
    elif isinstance(item, list):
        for index, child in enumerate(item):
            _walk(child, numbers, (path, index))
    elif isinstance(item, str):
        if not _is_unicode(item):
            raise InvalidInput(f"has text that is not valid Unicode at {_spell(path)}")
    elif numbers and isinstance(item, int | float | Decimal) and not isinstance(item, bool):
        try:
            storable_number(item)
        except InvalidInput as exc:
            raise InvalidInput(f"has a number at {_spell(path)} that {exc}") from None


def _spell(path: tuple[Any, ...]) -> str:
    """`metadata.tags[2]` for the path ((((), "metadata"), "tags"), 2)."""
    parts: list[str] = []
    while path:
        path, key = path
        parts.append(f"[{key}]" if isinstance(key, int) else f".{key[:40]}")
    return "".join(reversed(parts)).lstrip(".") or "the top level"


def _refuse_constant(name: str) -> Any:
    raise InvalidInput("holds a non-finite number, which JSON does not allow")


def _finite(number: float | Decimal) -> float | Decimal:
    if isinstance(number, float) and not math.isfinite(number):
        raise InvalidInput("holds a number too large to represent")
    return number


def _integer(raw: str, number: type) -> Any:
    if len(raw) > MAX_JSON_INT_DIGITS:
        raise InvalidInput(f"holds an integer of more than {MAX_JSON_INT_DIGITS} digits")
    return number(raw)


def _is_unicode(value: str) -> bool:
    """False when `value` holds lone surrogates (which no store can encode)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
