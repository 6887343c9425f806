"""spend_limits: Cloudflare's shape keeps working; the extensions are checked strictly."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.accounts.spend_shape import SPEND_LIMITS_SHAPE
from chalicelib.errors import BadRequest

RULE = {"limit": 1.5, "limitType": "cost", "window": 86400}


def _check(*rules: dict[str, Any]) -> Any:
    return SPEND_LIMITS_SHAPE({"enabled": True, "rules": list(rules)}, "spend_limits")


def test_cloudflare_rules_and_the_extensions_are_accepted() -> None:
    rules = [
        {**RULE, "id": "a", "technique": "sliding", "metadata": {"user_id": {"mode": "partition"}}},
        {**RULE, "limitType": "tokens", "limit": 10000, "window": 60, "estimate": 500},
        {**RULE, "period": "month", "window": 2592000, "fallback_model": "gpt-4o-mini"},
        {**RULE, "period": "day", "estimate": 0.01},
    ]
    assert _check(*rules)["rules"] == rules


@pytest.mark.parametrize(
    ("rule", "named"),
    [
        ({**RULE, "limit": float("nan")}, "limit must be a number"),
        ({**RULE, "limit": 10**12}, "limit must be a number from 0 to 1e+09 (USD)"),
        ({**RULE, "estimate": -1}, "estimate must be a number"),
        ({**RULE, "limitType": "tokens", "limit": 1.5}, "whole number of tokens"),
        ({**RULE, "window": 0}, "window must be an integer"),
        ({**RULE, "window": 10**9}, "window must be an integer"),
        ({**RULE, "period": "month"}, "window must be 2592000 with period month"),
        ({**RULE, "period": "day", "technique": "sliding"}, "technique must be fixed"),
        ({**RULE, "period": "week"}, "period must be one of"),
        ({**RULE, "fallback_model": ""}, "fallback_model must not be empty"),
        ({**RULE, "fallback_model": "m" * 300}, "fallback_model must be a string"),
    ],
)
def test_hostile_rules_are_refused(rule: dict[str, Any], named: str) -> None:
    with pytest.raises(BadRequest, match="spend_limits.rules") as raised:
        _check(rule)
    assert named in raised.value.message


def test_rule_ids_are_unique() -> None:
    with pytest.raises(BadRequest, match="ids must be unique"):
        _check({**RULE, "id": "x"}, {**RULE, "id": "x", "window": 60})
