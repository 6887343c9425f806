"""Types of JSON values: what `json.loads` returns and what `json.dumps` takes.

`JsonObject` is a JSON object (a dict with string keys); narrow a `JsonValue` with
`isinstance(value, dict)` (or `list`, `str`, ...) before using it as one.
"""

from __future__ import annotations

from typing import TypeAlias

JsonValue: TypeAlias = None | bool | int | float | str | list["JsonValue"] | dict[str, "JsonValue"]
"""Any JSON value."""

JsonObject: TypeAlias = dict[str, JsonValue]
"""A JSON object."""


def object_or_empty(value: JsonValue) -> JsonObject:
    """`value` when it is a JSON object, else a new empty one."""
    return value if isinstance(value, dict) else {}
