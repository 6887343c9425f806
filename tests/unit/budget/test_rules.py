"""Rules compiled from Cloudflare's `spend_limits` shape: scopes and stable counter keys."""

from __future__ import annotations

from chalicelib.budget import Request, compile_rules

RULE = {"limit": 5, "limitType": "cost", "window": 86400}


def test_disabled_rules_and_settings_compile_to_nothing() -> None:
    assert compile_rules(None) == [] and compile_rules({"enabled": False, "rules": [RULE]}) == []
    assert compile_rules({"rules": [{**RULE, "enabled": False}]}) == []


def test_filters_and_partitions() -> None:
    (rule,) = compile_rules(
        {
            "rules": [
                {
                    **RULE,
                    "provider": {"mode": "filter", "values": ["openai"]},
                    "model": {"mode": "filter", "values": ["gpt-4o"]},
                    "metadata": {
                        "team": {"mode": "filter", "values": ["a", "1"]},
                        "user_id": {"mode": "partition"},
                    },
                }
            ]
        }
    )
    base = {"team": "a", "user_id": "u1"}
    alice = rule.bucket(Request("openai", "gpt-4o", base))
    assert alice is not None and alice.scope == {"metadata.user_id": "u1"}
    bob = rule.bucket(Request("openai", "gpt-4o", {**base, "user_id": "u2"}))
    assert bob is not None and bob.digest != alice.digest
    assert rule.bucket(Request("openai", "gpt-4o", {**base, "team": 1})) is not None
    assert rule.bucket(Request("groq", "gpt-4o", base)) is None
    assert rule.bucket(Request("openai", "gpt-4o-mini", base)) is None
    assert rule.bucket(Request("openai", "gpt-4o", {"user_id": "u1"})) is None
    anonymous = rule.bucket(Request("openai", "gpt-4o", {"team": "a"}))
    assert anonymous is not None and anonymous.scope == {"metadata.user_id": None}


def test_counter_keys_survive_reordering_and_new_limits() -> None:
    first = compile_rules({"rules": [RULE, {**RULE, "window": 60}]})
    again = compile_rules({"rules": [{**RULE, "window": 60, "limit": 9}, RULE]})
    assert [r.key for r in first] == [r.key for r in reversed(again)]
    assert compile_rules({"rules": [{**RULE, "id": "daily"}]})[0].key == "Idaily"


def test_units_and_windows() -> None:
    cost, tokens, month = compile_rules(
        {
            "rules": [
                {**RULE, "limit": 0.25},
                {**RULE, "limitType": "tokens", "limit": 1000.0, "technique": "sliding"},
                {**RULE, "period": "month", "window": 2592000},
            ]
        }
    )
    assert cost.limit == 250_000_000_000 and cost.show(cost.limit) == 0.25
    assert tokens.limit == 1000 and tokens.window.kind == "sliding"
    assert month.window.kind == "month"
