"""`aig-custom-cost`: the client's own per-token prices, overriding the price table."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from chalicelib.errors import BadRequest
from chalicelib.providers import Usage
from chalicelib.validation import InvalidInput, load_json, storable_number

_FIELDS = ("per_token_in", "per_token_out")
MAX_PRICE_USD = Decimal(1000)
"""Highest accepted price per token (the dearest real model costs well under $0.001)."""


@dataclass(frozen=True)
class CustomCost:
    """USD per input token and per output token."""

    per_token_in: Decimal
    per_token_out: Decimal

    def cost_usd(self, usage: Usage) -> Decimal | None:
        """Price of `usage`; None when the provider reported no usage (unknown, not 0)."""
        if not usage.known:
            return None
        return (usage.tokens_in or 0) * self.per_token_in + (
            usage.tokens_out or 0
        ) * self.per_token_out


def parse_custom_cost(raw: str | None) -> CustomCost | None:
    """Read the header value `{"per_token_in": x, "per_token_out": y}` (USD, 0 to 1000,
    storable in DynamoDB). Raises BadRequest naming the header for anything else."""
    if raw is None:
        return None
    problem = 'aig-custom-cost must be {"per_token_in": <number>, "per_token_out": <number>}'
    try:
        value = load_json(raw, exact=True)
    except InvalidInput as exc:
        raise BadRequest(f"{problem} ({exc})") from None
    if not isinstance(value, dict) or set(value) != set(_FIELDS):
        raise BadRequest(problem)
    prices = []
    for name in _FIELDS:
        number = value[name]
        if not isinstance(number, Decimal) or not 0 <= number <= MAX_PRICE_USD:
            raise BadRequest(f"aig-custom-cost {name} must be a number from 0 to {MAX_PRICE_USD}")
        try:
            prices.append(storable_number(number))
        except InvalidInput as exc:
            raise BadRequest(f"aig-custom-cost {name} {exc}") from None
    return CustomCost(*prices)
