"""Validation of log metadata: at most 5 entries of string, number or bool."""

from __future__ import annotations

from typing import Any

from chalicelib.api.errors import BadRequest

MAX_METADATA_ENTRIES = 5


def check_metadata(value: Any, source: str) -> dict[str, str | int | float | bool]:
    """Return `value` as log metadata, or BadRequest naming `source` and the problem."""
    if not isinstance(value, dict):
        raise BadRequest(f"{source} must be a JSON object")
    if len(value) > MAX_METADATA_ENTRIES:
        raise BadRequest(f"{source} has more than {MAX_METADATA_ENTRIES} entries")
    for key, entry in value.items():
        if isinstance(entry, dict | list) or entry is None:
            raise BadRequest(f"{source} value of {key!r} must be a string, number or bool")
    return value
