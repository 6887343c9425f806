"""Validation of log metadata: at most 5 entries of string, number or bool."""

from __future__ import annotations

from typing import Any

from chalicelib.errors import BadRequest
from chalicelib.validation import InvalidInput, check_text, storable_number

MAX_METADATA_ENTRIES = 5
MAX_METADATA_KEY_LENGTH = 64
MAX_METADATA_VALUE_LENGTH = 256
"""Characters of a metadata key and of a string value (five entries stay under 2 KB)."""


def check_metadata(value: Any, source: str) -> dict[str, str | int | float | bool]:
    """Return `value` as log metadata, or BadRequest naming `source` and the problem.

    Keys are 1-64 characters, strings at most 256, numbers storable in DynamoDB; the
    message names an entry by its position (metadata may come from a header, never echoed).
    """
    if not isinstance(value, dict):
        raise BadRequest(f"{source} must be a JSON object")
    if len(value) > MAX_METADATA_ENTRIES:
        raise BadRequest(f"{source} has more than {MAX_METADATA_ENTRIES} entries")
    for index, (key, entry) in enumerate(value.items()):
        try:
            _check_entry(key, entry)
        except InvalidInput as exc:
            raise BadRequest(f"{source} entry {index + 1}: {exc}") from None
    return value


def _check_entry(key: str, entry: Any) -> None:
    if not key:
        raise InvalidInput("the key is empty")
    try:
        check_text(key, MAX_METADATA_KEY_LENGTH)
    except InvalidInput as exc:
        raise InvalidInput(f"the key {exc}") from None
    try:
        if isinstance(entry, str):
            check_text(entry, MAX_METADATA_VALUE_LENGTH)
        elif isinstance(entry, int | float) and not isinstance(entry, bool):
            storable_number(entry)
        elif not isinstance(entry, bool):
            raise InvalidInput("must be a string, number or bool")
    except InvalidInput as exc:
        raise InvalidInput(f"the value {exc}") from None
