"""The hostile-input checks: bounded JSON, storable numbers and text, bounded integers."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from boto3.dynamodb.types import TypeSerializer
from hypothesis import example, given, settings
from hypothesis import strategies as st

from chalicelib.validation import (
    MAX_API_BODY_BYTES,
    MAX_JSON_DEPTH,
    InvalidInput,
    api_body,
    bounded_int,
    check_storable,
    check_text,
    check_unicode,
    load_json,
    storable_number,
    storable_text,
)


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_json_at_the_depth_limit_parses_and_one_more_level_is_refused() -> None:
    assert load_json(_nested(MAX_JSON_DEPTH)) is not None
    with pytest.raises(InvalidInput, match="nested deeper than 64 levels"):
        load_json(_nested(MAX_JSON_DEPTH + 1))


@pytest.mark.parametrize("depth", [1_000, 5_000, 100_000])
def test_json_nested_past_the_interpreter_limit_is_refused_not_a_recursion_error(
    depth: int,
) -> None:
    with pytest.raises(InvalidInput, match="nested deeper"):
        load_json('{"a":' * depth + "1" + "}" * depth)
    with pytest.raises(InvalidInput, match="nested deeper"):
        load_json(_nested(depth).encode())


def test_brackets_inside_strings_do_not_count() -> None:
    text = json.dumps({"a": "[" * 5_000, "b": '\\"{{{{'})
    assert load_json(text) == json.loads(text)


def test_a_given_depth_limit_applies() -> None:
    assert load_json(_nested(100), max_depth=128) is not None


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('{"a": NaN}', "non-finite"),
        ("[Infinity]", "non-finite"),
        ("-Infinity", "non-finite"),
        ("1e400", "too large"),
        ("9" * 5_000, "more than 1000 digits"),
        ("{", "not valid JSON"),
        ("", "not valid JSON"),
        (b"\xff\xfe\x00", "not valid JSON"),
    ],
)
def test_json_python_would_misread_is_refused(text: str | bytes, words: str) -> None:
    with pytest.raises(InvalidInput, match=words):
        load_json(text)


def test_exact_json_reads_numbers_as_decimals() -> None:
    assert load_json('{"a": 0.1, "b": 3}', exact=True) == {"a": Decimal("0.1"), "b": Decimal(3)}


@pytest.mark.parametrize(
    "value",
    [0, -1, 0.1, 1 / 3, 10**38 - 1, 1e125, -9.9e125, 1e-130, Decimal("1.5E-130")],
)
def test_storable_numbers(value: Any) -> None:
    assert storable_number(value) == Decimal(str(value) if isinstance(value, float) else value)


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (float("nan"), "finite"),
        (float("inf"), "finite"),
        (Decimal("NaN"), "finite"),
        (1e300, "out of range"),
        (5e-324, "out of range"),
        (10**38, "more than 38 digits"),
        (int("1" * 40), "more than 38 digits"),
        (Decimal("1." + "0" * 40), "more than 38 digits"),
        (True, "boolean"),
    ],
)
def test_numbers_dynamodb_cannot_store(value: Any, words: str) -> None:
    with pytest.raises(InvalidInput, match=words):
        storable_number(value)


def _dynamodb_stores(number: Decimal) -> bool:
    """Whether boto3 serializes `number` and DynamoDB then accepts it: boto3 lets through
    infinities, magnitudes under 1E-130 and exactly 1E+126 (its context's Emax is 126),
    which the service refuses (its largest magnitude is 9.99...E+125)."""
    try:
        TypeSerializer().serialize(number)
    except Exception:
        return False
    magnitude = number.copy_abs()
    in_range = Decimal("1E-130") <= magnitude < Decimal("1E+126")
    return number.is_finite() and (number.is_zero() or in_range)


@settings(max_examples=300)
@example(Decimal("1E+126"))  # boto3 serializes it; DynamoDB refuses it
@example(1e126)
@given(
    st.integers(min_value=-(10**45), max_value=10**45)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.decimals(allow_nan=False)
)
def test_storable_exactly_when_dynamodb_stores_it(value: int | float | Decimal) -> None:
    try:
        storable_number(value)
        storable = True
    except InvalidInput:
        storable = False
    number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    assert storable == _dynamodb_stores(number)


def test_text_limits() -> None:
    assert check_text("é" * 10, 10) == "é" * 10
    with pytest.raises(InvalidInput, match="longer than 10 characters"):
        check_text("x" * 11, 10)
    with pytest.raises(InvalidInput, match="not valid Unicode"):
        check_text("a\ud800", 10)


def test_recorded_text_is_cut_and_made_valid_never_refused() -> None:
    assert storable_text(None, 5) is None
    assert storable_text("abcdefgh", 5) == "abcde"
    assert storable_text("a\udfffb", 5) == "a?b"


def test_storable_json_checks_every_number_and_text_at_any_depth() -> None:
    fine = {"a": [1, 0.5, "x", True, None, {"b": Decimal("1.5")}]}
    assert check_storable(fine) is fine
    for bad in ({"a": [[1e300]]}, {"a": [{"b": 10**40}]}, {"a": ["\ud800"]}, {"\ud800": 1}):
        with pytest.raises(InvalidInput):
            check_storable(bad)


def test_unicode_check_ignores_numbers() -> None:
    assert check_unicode({"a": [1e300, 10**40]}) == {"a": [1e300, 10**40]}
    with pytest.raises(InvalidInput, match="not valid Unicode"):
        check_unicode({"a": {"b": "\udfff"}})


def test_api_body_is_bounded_json_of_storable_values() -> None:
    assert api_body(b'{"id": "g", "cache_ttl": 60}') == {"id": "g", "cache_ttl": 60}
    with pytest.raises(InvalidInput, match="larger than 64 KB"):
        api_body(b'{"a": "' + b"x" * MAX_API_BODY_BYTES + b'"}')
    with pytest.raises(InvalidInput, match="has a number at cache_ttl that is out of range"):
        api_body(b'{"cache_ttl": 1e300}')
    with pytest.raises(InvalidInput, match=r"has text that is not valid Unicode at dlp\[1\]\.a"):
        api_body(b'{"dlp": [1, {"a": "\\udfff"}]}')
    with pytest.raises(InvalidInput, match="nested deeper"):
        api_body(_nested(5_000).encode())


@pytest.mark.parametrize("raw", ["0", " 7 ", "5000"])
def test_bounded_int(raw: str) -> None:
    assert bounded_int(raw, 0, 5_000) == int(raw)


@pytest.mark.parametrize("raw", ["", "-1", "5001", "1e3", "0x10", "１２", "9" * 5_000, "9" * 16])
def test_bounded_int_refuses_anything_else_without_parsing_it(raw: str) -> None:
    with pytest.raises(InvalidInput, match="must be an integer from 0 to 5000"):
        bounded_int(raw, 0, 5_000)
