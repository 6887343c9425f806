"""DynamoDB's size of an item (what its write and read units are billed on)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any


def item_size(item: dict[str, Any]) -> int:
    """Attribute names plus values (numbers ~1 byte per 2 digits), Python-typed item."""
    return sum(len(name.encode()) + _value_size(value) for name, value in item.items())


def _value_size(value: Any) -> int:
    if isinstance(value, str):
        return len(value.encode())
    if isinstance(value, bool) or value is None:
        return 1
    if isinstance(value, int | float | Decimal):
        return len(str(value).replace("-", "").replace(".", "")) // 2 + 1
    if isinstance(value, dict):
        return 3 + sum(len(k.encode()) + 1 + _value_size(v) for k, v in value.items())
    return len(str(value))
