"""Ids of accounts and gateways: what the API and the admin command accept."""

from __future__ import annotations

import re
from typing import Any

from chalicelib.errors import BadRequest

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
"""1-64 lower-case letters, digits, `-` or `_`, starting with a letter or digit: safe in
storage keys (no `#` or `/`) and in URL paths."""


def check_id(value: Any, name: str) -> str:
    """Return `value` if it is a valid id, else BadRequest naming `name`."""
    if not isinstance(value, str) or not ID_PATTERN.fullmatch(value):  # `$` passes "a\n"
        raise BadRequest(
            f"{name} must be 1-64 lower-case letters, digits, '-' or '_', starting with a"
            " letter or digit"
        )
    return value
