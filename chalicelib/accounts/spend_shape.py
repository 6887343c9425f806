"""The shape of a gateway's `spend_limits`: Cloudflare's rules, and this gateway's
compatible extensions (all optional, so what the Cloudflare SDK sends keeps working):

- `limitType`: "cost" (Cloudflare: `limit` USD) or "tokens" (`limit` input + output
  tokens: a token rate limit);
- `period`: "day" or "month": UTC calendar windows; `window` must then say 86400 or
  2592000 (the nominal month) and `technique` be fixed;
- `estimate`: what a request reserves when its maximum cannot be computed (no
  `max_tokens` and no known context window), in the rule's unit;
- `fallback_model`: at the limit, the request is sent to this model instead (when it
  fits); without it, the answer is 429.

Numbers are bounded (USD up to 10^9, tokens integers up to 10^15, windows up to a year);
rule ids are unique.
"""

from __future__ import annotations

from typing import Any

from chalicelib.accounts.shapes import (
    MAX_NUMBER,
    Shape,
    array,
    boolean,
    choice,
    integer,
    mapping,
    nullable,
    number,
    record,
    string,
    tagged,
)
from chalicelib.errors import BadRequest

NAME = 256
MAX_USD = 10**9
MAX_WINDOW_S = 366 * 86_400
MAX_RULES = 20
PERIODS = {"day": 86_400, "month": 30 * 86_400}

_NAMES = array(string(NAME), 100)
_FILTER = record({"mode": choice("filter"), "values": _NAMES})
_METADATA_MODES = {"partition": record({"mode": choice("partition")}), "filter": _FILTER}


def _metadata_form(value: dict[str, Any]) -> Shape | None:
    mode = value.get("mode")
    return _METADATA_MODES.get(mode) if isinstance(mode, str) else None


_FIELDS = record(
    {
        "limit": number(0, MAX_NUMBER),
        "limitType": choice("cost", "tokens"),
        "window": integer(1, MAX_WINDOW_S),
    },
    {
        "id": string(NAME),
        "enabled": boolean(),
        "metadata": mapping(
            tagged(_metadata_form, "an object with mode 'partition', or 'filter' and values"),
            5,
        ),
        "model": _FILTER,
        "provider": _FILTER,
        "technique": choice("fixed", "sliding"),
        "period": choice(*PERIODS),
        "estimate": number(0, MAX_NUMBER),
        "fallback_model": string(NAME),
    },
)


def _rule(value: Any, path: str) -> dict[str, Any]:
    rule: dict[str, Any] = _FIELDS(value, path)
    tokens = rule["limitType"] == "tokens"
    for name in ("limit", "estimate"):
        if name not in rule:
            continue
        amount = rule[name]
        if tokens and amount != int(amount):
            raise BadRequest(f"{path}.{name} must be a whole number of tokens")
        if not tokens and amount > MAX_USD:
            raise BadRequest(f"{path}.{name} must be a number from 0 to {MAX_USD:g} (USD)")
    period = rule.get("period")
    if period is not None:
        if rule["window"] != PERIODS[period]:
            raise BadRequest(f"{path}.window must be {PERIODS[period]} with period {period}")
        if rule.get("technique", "fixed") != "fixed":
            raise BadRequest(f"{path}.technique must be fixed with a period")
    if rule.get("fallback_model") == "":
        raise BadRequest(f"{path}.fallback_model must not be empty")
    return rule


_RULES = array(_rule, MAX_RULES)


def _spend_limits(value: Any, path: str) -> dict[str, Any]:
    checked: dict[str, Any] = record({}, {"enabled": boolean(), "rules": _RULES})(value, path)
    ids = [rule["id"] for rule in checked.get("rules", []) if "id" in rule]
    if len(ids) != len(set(ids)):
        raise BadRequest(f"{path}.rules ids must be unique")
    return checked


SPEND_LIMITS_SHAPE: Shape = nullable(_spend_limits)
"""spend_limits (its JSON size is bounded by the caller, gateway_shapes)."""
