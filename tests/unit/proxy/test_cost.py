from decimal import Decimal

import pytest

from chalicelib.providers.usage import Usage
from chalicelib.proxy.cost import cost_usd

MTOK = Decimal(1_000_000)
# Per-million-token USD prices of the bundled genai-prices snapshot.
GPT_4O_MINI = {"input": Decimal("0.15"), "output": Decimal("0.6"), "cache_read": Decimal("0.075")}
CLAUDE_SONNET_4 = {
    "input": Decimal(3),
    "output": Decimal(15),
    "cache_read": Decimal("0.3"),
    "cache_write": Decimal("3.75"),
}


def test_known_model_uses_the_library_price():
    expected = (1000 * GPT_4O_MINI["input"] + 500 * GPT_4O_MINI["output"]) / MTOK
    cost = cost_usd("openai", "gpt-4o-mini", Usage(tokens_in=1000, tokens_out=500))
    assert cost == expected == Decimal("0.00045")
    assert isinstance(cost, Decimal)


def test_dated_model_name_as_responses_report_it():
    assert cost_usd("openai", "gpt-4o-mini-2024-07-18", Usage(1000, 500)) == Decimal("0.00045")


def test_openai_cached_input():
    usage = Usage(tokens_in=1000, tokens_out=500, cache_read_tokens=400)
    expected = (
        600 * GPT_4O_MINI["input"] + 400 * GPT_4O_MINI["cache_read"] + 500 * GPT_4O_MINI["output"]
    ) / MTOK
    assert cost_usd("openai", "gpt-4o-mini", usage) == expected


def test_anthropic_cache_reads_cost_less_than_uncached_input():
    model = "claude-sonnet-4-20250514"
    uncached = cost_usd("anthropic", model, Usage(tokens_in=10_000, tokens_out=100))
    cached = cost_usd("anthropic", model, Usage(10_000, 100, cache_read_tokens=8000))
    assert uncached == (10_000 * CLAUDE_SONNET_4["input"] + 100 * CLAUDE_SONNET_4["output"]) / MTOK
    expected_cached = (
        2000 * CLAUDE_SONNET_4["input"]
        + 8000 * CLAUDE_SONNET_4["cache_read"]
        + 100 * CLAUDE_SONNET_4["output"]
    ) / MTOK
    assert cached == expected_cached
    assert cached < uncached


def test_anthropic_cache_writes_use_their_own_price():
    usage = Usage(tokens_in=3000, tokens_out=0, cache_read_tokens=1000, cache_write_tokens=1500)
    expected = (
        500 * CLAUDE_SONNET_4["input"]
        + 1000 * CLAUDE_SONNET_4["cache_read"]
        + 1500 * CLAUDE_SONNET_4["cache_write"]
    ) / MTOK
    assert cost_usd("anthropic", "claude-sonnet-4-20250514", usage) == expected


def test_one_known_side_prices_the_other_as_zero():
    assert cost_usd("openai", "gpt-4o-mini", Usage(tokens_in=1000)) == Decimal("0.00015")
    assert cost_usd("openai", "gpt-4o-mini", Usage(tokens_out=1000)) == Decimal("0.0006")


def test_without_a_price_table_provider_there_is_no_guess():
    assert cost_usd(None, "gpt-4o-mini", Usage(1000, 500)) is None


@pytest.mark.parametrize(
    ("provider", "model"),
    [
        ("openai", "no-such-model-xyz"),
        ("no-such-provider", "gpt-4o-mini"),
        (None, "no-such-model-xyz"),
        ("openai", None),
        ("openai", ""),
    ],
)
def test_unknown_model_or_provider_has_no_cost(provider: str | None, model: str | None):
    assert cost_usd(provider, model, Usage(1000, 500)) is None


def test_unknown_usage_has_no_cost():
    assert cost_usd("openai", "gpt-4o-mini", Usage()) is None
    assert cost_usd("openai", "gpt-4o-mini", Usage(cache_read_tokens=5)) is None


def test_inconsistent_usage_has_no_cost():
    assert cost_usd("openai", "gpt-4o-mini", Usage(10, 5, cache_read_tokens=20)) is None
