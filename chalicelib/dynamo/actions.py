"""DynamoDB TransactWriteItems actions in the low-level format, and value conversions."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

_serialize = TypeSerializer().serialize
_deserialize = TypeDeserializer().deserialize


def attributes(values: dict[str, Any]) -> dict[str, Any]:
    """Python values (numbers as int or Decimal) to DynamoDB attribute values."""
    return {name: _serialize(value) for name, value in values.items()}


def python_values(item: dict[str, Any]) -> dict[str, Any]:
    """DynamoDB attribute values back to Python values (numbers as Decimal)."""
    return {name: _deserialize(value) for name, value in item.items()}


def storable(value: Any) -> Any:
    """`value` with every float (also inside maps and lists) as a Decimal, which is the
    only non-integer number DynamoDB takes."""
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, dict):
        return {key: storable(entry) for key, entry in value.items()}
    if isinstance(value, list):
        return [storable(entry) for entry in value]
    return value


def put(table: str, item: dict[str, Any], condition: str | None = None) -> dict[str, Any]:
    """A Put action."""
    action: dict[str, Any] = {"TableName": table, "Item": attributes(item)}
    if condition:
        action["ConditionExpression"] = condition
    return {"Put": action}


def delete(
    table: str,
    key: dict[str, Any],
    condition: str | None = None,
    values: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A Delete action."""
    action: dict[str, Any] = {"TableName": table, "Key": attributes(key)}
    if condition:
        action["ConditionExpression"] = condition
    if values:
        action["ExpressionAttributeValues"] = attributes(values)
    return {"Delete": action}


def update(
    table: str,
    key: dict[str, Any],
    expression: str,
    values: dict[str, Any],
    condition: str | None = None,
) -> dict[str, Any]:
    """An Update action."""
    action: dict[str, Any] = {
        "TableName": table,
        "Key": attributes(key),
        "UpdateExpression": expression,
        "ExpressionAttributeValues": attributes(values),
    }
    if condition:
        action["ConditionExpression"] = condition
    return {"Update": action}


def condition_check(table: str, key: dict[str, Any], condition: str) -> dict[str, Any]:
    """A ConditionCheck action."""
    return {
        "ConditionCheck": {
            "TableName": table,
            "Key": attributes(key),
            "ConditionExpression": condition,
        }
    }
