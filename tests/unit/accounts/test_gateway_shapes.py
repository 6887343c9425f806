"""Shape validation of the gateway fields (no AWS): every field the Cloudflare SDK sends."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from chalicelib.accounts.gateway_fields import parse_settings
from chalicelib.accounts.plans import PLANS
from chalicelib.errors import BadRequest
from tests.factories import NEWER_GATEWAY_FIELDS

PAID = PLANS["paid"]

NEWER = NEWER_GATEWAY_FIELDS


def _with(path: str, value: Any) -> dict[str, Any]:
    """NEWER with the value at a dotted path (list indexes as numbers) replaced."""
    body = copy.deepcopy(NEWER)
    *parents, last = path.split(".")
    node: Any = body
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return body


def test_every_newer_field_is_accepted_as_sent() -> None:
    _, settings = parse_settings({"id": "gw", **NEWER}, PAID)
    assert settings == NEWER


def test_the_other_dlp_form_and_optional_nulls_are_accepted() -> None:
    profiles = {"action": "FLAG", "enabled": False, "profiles": []}
    nulls = {
        name: None
        for name in ("dlp", "guardrails", "logpush_public_key", "otel", "spend_limits")
        + ("store_id", "stripe", "workers_ai_billing_mode")
    }
    assert parse_settings({"dlp": profiles}, PAID, "gw")[1] == {"dlp": profiles}
    assert parse_settings(nulls, PAID, "gw")[1] == nulls


@pytest.mark.parametrize(
    ("path", "value", "named"),
    [
        ("byok_only", None, "byok_only must be true or false"),
        ("zdr", "true", "zdr must be true or false"),
        ("logpush", 1, "logpush must be true or false"),
        ("log_classification", None, "log_classification"),
        ("dlp", "on", "dlp must be an object"),
        ("dlp", {"enabled": True}, "dlp.action is required"),
        ("dlp", {"enabled": True, "policies": "all"}, "dlp.policies must be a list"),
        ("dlp.policies.0.check", ["BODY"], "dlp.policies[0].check[0] must be one of"),
        ("dlp.policies.0.profiles", "pii", "dlp.policies[0].profiles must be a list"),
        ("dlp.policies.0.colour", "red", "dlp.policies[0] has an unknown field 'colour'"),
        ("guardrails.response", None, "guardrails.response must be an object"),
        ("guardrails.prompt", {"p1": "FLAG"}, "guardrails.prompt has an unknown field 'p1'"),
        ("guardrails.prompt", {"S2": "ALLOW"}, "guardrails.prompt.S2 must be one of FLAG"),
        ("logpush_public_key", 42, "logpush_public_key must be a string"),
        ("otel", {"url": "https://x"}, "otel must be a list"),
        ("otel.0.url", None, "otel[0].url must be a string"),
        ("otel.0.headers", {"x-team": 1}, "otel[0].headers.x-team must be a string"),
        ("otel.0.content_type", "xml", "otel[0].content_type must be one of json, protobuf"),
        ("spend_limits", [], "spend_limits must be an object"),
        (
            "spend_limits.rules.0.limit",
            float("nan"),
            "spend_limits.rules[0].limit must be a number",
        ),
        ("spend_limits.rules.0.limit", -1, "spend_limits.rules[0].limit must be a number"),
        ("spend_limits.rules.0.limit", True, "spend_limits.rules[0].limit must be a number"),
        ("spend_limits.rules.0.window", 1.5, "spend_limits.rules[0].window must be an integer"),
        ("spend_limits.rules.0.limitType", "requests", "spend_limits.rules[0].limitType"),
        ("spend_limits.rules.0.metadata", {"u": {"mode": "x"}}, "spend_limits.rules[0].metadata.u"),
        ("spend_limits.rules.0.metadata", {"": {"mode": "partition"}}, "metadata keys must be"),
        ("spend_limits.rules.0.model", {"mode": "filter"}, "spend_limits.rules[0].model.values"),
        ("store_id", 5, "store_id must be a string"),
        ("stripe", {"authorization": "sk"}, "stripe.usage_events is required"),
        ("stripe.usage_events", [{"payload": 1}], "stripe.usage_events[0].payload"),
        ("workers_ai_billing_mode", "prepaid", "workers_ai_billing_mode must be one of"),
    ],
)
def test_garbage_is_a_400_naming_the_field(path: str, value: Any, named: str) -> None:
    with pytest.raises(BadRequest) as error:
        parse_settings(_with(path, value), PAID, "gw")
    assert named in error.value.message


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({"otel": [NEWER["otel"][0]] * 6}, "otel must be a list of at most 5 items"),
        ({"store_id": "s" * 257}, "store_id must be a string of at most 256"),
        (
            {"stripe": {"authorization": "sk", "usage_events": [{"payload": "p" * 4000}] * 9}},
            "stripe is larger than 32,768 bytes",
        ),
    ],
)
def test_sizes_are_bounded(body: dict[str, Any], named: str) -> None:
    with pytest.raises(BadRequest) as error:
        parse_settings(body, PAID, "gw")
    assert named in error.value.message


def test_errors_never_repeat_the_value() -> None:
    bad = {"stripe": {"authorization": ["sk_live_SECRET"], "usage_events": []}}
    with pytest.raises(BadRequest) as error:
        parse_settings(bad, PAID, "gw")
    assert "stripe.authorization" in error.value.message
    assert "SECRET" not in error.value.message


def test_read_only_fields_are_ignored_and_unknown_ones_refused() -> None:
    read_only = {
        "created_at": "2026-01-01T00:00:00.000Z",
        "modified_at": "2026-01-02T00:00:00.000Z",
        "stored_logs": 5,
        "dropped_logs": 1,
        "is_default": False,
        "account_tag": "demo",
    }
    assert parse_settings({"id": "gw", "zdr": True, **read_only}, PAID, "gw")[1] == {"zdr": True}
    with pytest.raises(BadRequest, match="unsupported field 'colect_logs'"):
        parse_settings({"colect_logs": True}, PAID, "gw")
