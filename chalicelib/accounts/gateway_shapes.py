"""Shapes of the newer gateway fields the Cloudflare SDK sends (its
`ai_gateway_create_params` / `ai_gateway_update_params`, wire names as it sends them:
`P1`..`S13`, `limitType`). They are stored and echoed; behaviour comes as it is built.

The Gateway dataclass (accounts/models.py) names the field each shape checks. Those the
response types make optional also take null (not set), so that a gateway read back can be
sent back as it is."""

from __future__ import annotations

from typing import Any

from chalicelib.accounts.shapes import (
    Shape,
    array,
    boolean,
    bounded,
    choice,
    mapping,
    nullable,
    record,
    string,
    tagged,
)
from chalicelib.accounts.spend_shape import SPEND_LIMITS_SHAPE

NAME = 256
"""Longest id, profile, model, provider or metadata value."""
SECRET = 4096
"""Longest credential or key (OpenTelemetry and Stripe authorization, logpush key)."""
URL = 2048
MAX_FIELD_BYTES = 32 * 1024
"""Largest JSON form of one field: all of them together stay far below DynamoDB's 400 KB
item limit."""

_FLAG_OR_BLOCK = choice("FLAG", "BLOCK")
_NAMES = array(string(NAME), 100)

_DLP_PROFILES = record(
    {"action": choice("BLOCK", "FLAG"), "enabled": boolean(), "profiles": _NAMES}
)
_DLP_POLICIES = record(
    {
        "enabled": boolean(),
        "policies": array(
            record(
                {
                    "id": string(NAME),
                    "action": _FLAG_OR_BLOCK,
                    "check": array(choice("REQUEST", "RESPONSE"), 2),
                    "enabled": boolean(),
                    "profiles": _NAMES,
                }
            ),
            50,
        ),
    }
)


def _dlp_form(value: dict[str, Any]) -> Shape:
    return _DLP_POLICIES if "policies" in value else _DLP_PROFILES


_CATEGORIES = record(
    {}, {code: _FLAG_OR_BLOCK for code in ["P1", *(f"S{n}" for n in range(1, 14))]}
)


def _bounded(shape: Shape) -> Shape:
    """A newer field's shape, its JSON form bounded to MAX_FIELD_BYTES."""
    return bounded(shape, MAX_FIELD_BYTES)


SWITCH = _bounded(boolean())
"""byok_only, log_classification, logpush, zdr."""
DLP = _bounded(
    nullable(
        tagged(_dlp_form, "an object with enabled and policies, or action, enabled and profiles")
    )
)
GUARDRAILS = _bounded(nullable(record({"prompt": _CATEGORIES, "response": _CATEGORIES})))
PUBLIC_KEY = _bounded(nullable(string(SECRET)))
"""logpush_public_key."""
OTEL = _bounded(
    nullable(
        array(
            record(
                {"headers": mapping(string(SECRET), 20), "url": string(URL)},
                {"authorization": string(SECRET), "content_type": choice("json", "protobuf")},
            ),
            5,
        )
    )
)
SPEND_LIMITS = _bounded(SPEND_LIMITS_SHAPE)
"""spend_limits (accounts/spend_shape.py)."""
STORE_ID = _bounded(nullable(string(NAME)))
STRIPE = _bounded(
    nullable(
        record(
            {
                "authorization": string(SECRET),
                "usage_events": array(record({"payload": string(SECRET)}), 20),
            }
        )
    )
)
BILLING_MODE = _bounded(nullable(choice("postpaid", "unified")))
"""workers_ai_billing_mode."""
