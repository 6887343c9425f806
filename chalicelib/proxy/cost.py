"""Price of a proxied request in USD, from the `genai_prices` price table."""

from __future__ import annotations

from decimal import Decimal

from chalicelib.providers import Usage


def cost_usd(price_provider: str | None, model: str | None, usage: Usage) -> Decimal | None:
    """Price of `usage` on `model` at `price_provider` (a genai-prices provider id).

    None when the provider has no price-table id (guessing it from the model name would
    price a self-hosted model at some vendor's rate), when the model or the usage is
    unknown, or when the library knows no price for them; an unknown side of the usage is
    priced as 0 tokens.
    """
    if not price_provider or not model or not usage.known:
        return None
    # Lazy: `import genai_prices` measured 120-165 ms (-X importtime), plus ~13 ms for the first
    # price lookup; routes that never price a request should not pay that on a cold start.
    from genai_prices import Usage as PriceUsage
    from genai_prices import calc_price

    price_usage = PriceUsage(
        input_tokens=usage.tokens_in or 0,
        output_tokens=usage.tokens_out or 0,
        cache_read_tokens=usage.cache_read_tokens,
        cache_write_tokens=usage.cache_write_tokens,
    )
    try:
        return calc_price(price_usage, model, provider_id=price_provider).total_price
    except (LookupError, ValueError):  # unknown provider/model; inconsistent usage counts
        return None
