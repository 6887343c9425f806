"""JSON shapes: small validators that check a value's type and nested structure.

A shape is called with a value and its path in the body (`dlp.policies[0].action`); it
returns the value (as plain JSON) or raises BadRequest naming the path and what it must be.
Messages never repeat the value: settings may hold credentials.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from typing import Any

from chalicelib.errors import BadRequest

Shape = Callable[[Any, str], Any]

MAX_NUMBER = 10**15
"""Bound of numbers in settings: exact in a float and far inside DynamoDB's range."""


def boolean() -> Shape:
    """true or false."""

    def check(value: Any, path: str) -> bool:
        if not isinstance(value, bool):
            raise BadRequest(f"{path} must be true or false")
        return value

    return check


def string(max_length: int) -> Shape:
    """A string of at most `max_length` characters (empty allowed)."""

    def check(value: Any, path: str) -> str:
        if not isinstance(value, str) or len(value) > max_length:
            raise BadRequest(f"{path} must be a string of at most {max_length} characters")
        return value

    return check


def integer(low: int, high: int) -> Shape:
    """An integer within [low, high] (not a bool, not 1.5)."""

    def check(value: Any, path: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise BadRequest(f"{path} must be an integer from {low} to {high}")
        return value

    return check


def number(low: float, high: float) -> Shape:
    """A finite number within [low, high]."""

    def check(value: Any, path: str) -> int | float:
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
            or not low <= value <= high
        ):
            raise BadRequest(f"{path} must be a number from {low:g} to {high:g}")
        return value

    return check


def choice(*choices: str) -> Shape:
    """One of the given strings."""

    def check(value: Any, path: str) -> str:
        if not isinstance(value, str) or value not in choices:
            raise BadRequest(f"{path} must be one of {', '.join(choices)}")
        return value

    return check


def nullable(shape: Shape) -> Shape:
    """null, or a value of `shape`."""

    def check(value: Any, path: str) -> Any:
        return None if value is None else shape(value, path)

    return check


def array(item: Shape, max_items: int) -> Shape:
    """A list of at most `max_items` values of the `item` shape."""

    def check(value: Any, path: str) -> list[Any]:
        if not isinstance(value, list) or len(value) > max_items:
            raise BadRequest(f"{path} must be a list of at most {max_items} items")
        return [item(entry, f"{path}[{index}]") for index, entry in enumerate(value)]

    return check


def mapping(value_shape: Shape, max_entries: int, max_key_length: int = 128) -> Shape:
    """An object with at most `max_entries` keys (non-empty strings), values of one shape."""

    def check(value: Any, path: str) -> dict[str, Any]:
        if not isinstance(value, dict) or len(value) > max_entries:
            raise BadRequest(f"{path} must be an object of at most {max_entries} entries")
        for key in value:
            if not 0 < len(key) <= max_key_length:
                raise BadRequest(f"{path} keys must be 1-{max_key_length} characters")
        return {key: value_shape(entry, f"{path}.{key}") for key, entry in value.items()}

    return check


def record(required: Mapping[str, Shape], optional: Mapping[str, Shape] | None = None) -> Shape:
    """An object with the `required` keys, maybe the `optional` ones, and no others."""
    optional = optional or {}
    known = {**required, **optional}

    def check(value: Any, path: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise BadRequest(f"{path} must be an object")
        for name in required:
            if name not in value:
                raise BadRequest(f"{path}.{name} is required")
        for name in value:
            if name not in known:
                raise BadRequest(
                    f"{path} has an unknown field {name[:64]!r}; known: {', '.join(known)}"
                )
        return {name: known[name](entry, f"{path}.{name}") for name, entry in value.items()}

    return check


def tagged(pick: Callable[[dict[str, Any]], Shape | None], expected: str) -> Shape:
    """One of several object shapes, chosen by `pick` from the object's keys or values;
    `expected` says what was wanted when none fits."""

    def check(value: Any, path: str) -> Any:
        shape = pick(value) if isinstance(value, dict) else None
        if shape is None:
            raise BadRequest(f"{path} must be {expected}")
        return shape(value, path)

    return check


def bounded(shape: Shape, max_bytes: int) -> Shape:
    """A value of `shape` whose JSON form is at most `max_bytes` long (bounds the item)."""

    def check(value: Any, path: str) -> Any:
        checked = shape(value, path)
        if len(json.dumps(checked, separators=(",", ":")).encode()) > max_bytes:
            raise BadRequest(f"{path} is larger than {max_bytes:,} bytes")
        return checked

    return check
