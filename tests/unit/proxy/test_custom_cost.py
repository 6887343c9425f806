from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.errors import BadRequest
from chalicelib.providers.usage import MAX_TOKENS, Usage
from chalicelib.proxy.custom_cost import MAX_PRICE_USD, CustomCost, parse_custom_cost
from chalicelib.proxy.options import log_options
from chalicelib.validation import storable_number


def test_absent_header_means_the_price_table() -> None:
    assert parse_custom_cost(None) is None
    assert log_options({}).custom_cost is None


def test_prices_tokens_exactly() -> None:
    cost = parse_custom_cost('{"per_token_in": 0.000001, "per_token_out": 2e-6}')
    assert cost == CustomCost(Decimal("0.000001"), Decimal("2e-6"))
    assert cost.cost_usd(Usage(tokens_in=1000, tokens_out=500)) == Decimal("0.002")
    assert cost.cost_usd(Usage(tokens_in=10)) == Decimal("0.00001")


def test_unknown_usage_stays_unknown() -> None:
    cost = parse_custom_cost('{"per_token_in": 1, "per_token_out": 1}')
    assert cost is not None and cost.cost_usd(Usage()) is None


def test_cf_alias_reaches_the_options() -> None:
    options = log_options({"cf-aig-custom-cost": '{"per_token_in": 0, "per_token_out": 0}'})
    assert options.custom_cost == CustomCost(Decimal(0), Decimal(0))


@pytest.mark.parametrize(
    "raw",
    [
        "not json",
        "[1, 2]",
        '{"per_token_in": 1}',
        '{"per_token_in": 1, "per_token_out": 1, "extra": 1}',
        '{"per_token_in": -1, "per_token_out": 1}',
        '{"per_token_in": "1", "per_token_out": 1}',
        '{"per_token_in": true, "per_token_out": 1}',
        '{"per_token_in": NaN, "per_token_out": 1}',
        '{"per_token_in": Infinity, "per_token_out": 1}',
        '{"per_token_in": null, "per_token_out": 1}',
        '{"per_token_in": 1e300, "per_token_out": 1}',
        '{"per_token_in": 1001, "per_token_out": 1}',
        '{"per_token_in": 1e-200, "per_token_out": 1}',
        '{"per_token_in": 0.' + "1" * 40 + ', "per_token_out": 1}',
        '{"per_token_in": ' + "1" * 40 + ', "per_token_out": 1}',
        '{"per_token_in": ' + "9" * 5_000 + ', "per_token_out": 1}',
        "[" * 5_000 + "]" * 5_000,
        '{"per_token_in": ' + "[" * 5_000 + "]" * 5_000 + ', "per_token_out": 1}',
    ],
)
def test_anything_else_is_400_naming_the_header(raw: str) -> None:
    with pytest.raises(BadRequest, match="aig-custom-cost"):
        log_options({"aig-custom-cost": raw})


@given(
    prices=st.lists(
        st.decimals(min_value=0, max_value=MAX_PRICE_USD, allow_nan=False),
        min_size=2,
        max_size=2,
    ),
    tokens_in=st.integers(min_value=0, max_value=MAX_TOKENS - 1),
    tokens_out=st.integers(min_value=0, max_value=MAX_TOKENS - 1),
)
def test_every_accepted_price_gives_a_storable_cost(
    prices: list[Decimal], tokens_in: int, tokens_out: int
) -> None:
    header = f'{{"per_token_in": {prices[0]}, "per_token_out": {prices[1]}}}'
    try:
        cost = parse_custom_cost(header)
    except BadRequest:
        return  # a price DynamoDB could not store is refused (the test above)
    assert cost is not None
    storable_number(cost.cost_usd(Usage(tokens_in=tokens_in, tokens_out=tokens_out)))
