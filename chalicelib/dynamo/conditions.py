"""Key conditions built per call, safe across threads.

Given a `boto3.dynamodb.conditions` object, a Table resource's client turns it into an
expression with one builder per client, which concurrent threads share: two Queries at
once can get each other's placeholders (`#n0 = :v0 AND #n0 <= :v1`, refused by DynamoDB).
`key_condition` builds the expression with a builder of its own and hands the client plain
strings, so nothing is shared.
"""

from __future__ import annotations

from typing import Any

from boto3.dynamodb.conditions import ConditionBase, ConditionExpressionBuilder


def key_condition(condition: ConditionBase) -> dict[str, Any]:
    """The KeyConditionExpression of `condition` with its placeholder names and values
    (Python values, as a Table resource and its client take them)."""
    built = ConditionExpressionBuilder().build_expression(condition, is_key_condition=True)
    return {
        "KeyConditionExpression": built.condition_expression,
        "ExpressionAttributeNames": built.attribute_name_placeholders,
        "ExpressionAttributeValues": built.attribute_value_placeholders,
    }
