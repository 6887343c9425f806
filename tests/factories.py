"""Builders of test data shared by the unit and end-to-end tests."""

from __future__ import annotations

from typing import Any

from chalicelib.logstore.ids import created_at_of, new_log_id
from chalicelib.logstore.record import LogRecord
from chalicelib.timestamps import iso_utc


def log_record(log_id: str | None = None, **fields: Any) -> LogRecord:
    """A successful OpenAI chat log of account `acme`, gateway `main`; `fields` override."""
    log_id = log_id or new_log_id()
    values: dict[str, Any] = {
        "id": log_id,
        "created_at": iso_utc(created_at_of(log_id)),
        "account_id": "acme",
        "gateway_id": "main",
        "provider": "openai",
        "path": "chat/completions",
        "status_code": 200,
        "success": True,
        "duration": 5,
    }
    values.update(fields)
    return LogRecord(**values)


REQUIRED_GATEWAY_FIELDS: dict[str, Any] = {
    "cache_invalidate_on_update": False,
    "cache_ttl": 0,
    "collect_logs": True,
    "rate_limiting_interval": 0,
    "rate_limiting_limit": 0,
}
"""The fields a gateway's create and update calls must carry, at neutral values."""


NEWER_GATEWAY_FIELDS: dict[str, Any] = {
    "byok_only": True,
    "dlp": {
        "enabled": True,
        "policies": [
            {
                "id": "pii",
                "action": "BLOCK",
                "check": ["REQUEST", "RESPONSE"],
                "enabled": True,
                "profiles": ["credit-cards", ""],
            }
        ],
    },
    "guardrails": {"prompt": {"P1": "FLAG", "S13": "BLOCK"}, "response": {"S1": "BLOCK"}},
    "log_classification": True,
    "logpush": True,
    "logpush_public_key": "-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----",
    "otel": [
        {
            "url": "https://otel.example/v1/traces",
            "headers": {"x-team": "a"},
            "authorization": "Bearer otel-secret",
            "content_type": "protobuf",
        }
    ],
    "spend_limits": {
        "enabled": True,
        "rules": [
            {
                "limit": 12.5,
                "limitType": "cost",
                "window": 86400,
                "id": "daily",
                "enabled": True,
                "metadata": {
                    "user": {"mode": "partition"},
                    "team": {"mode": "filter", "values": ["a"]},
                },
                "model": {"mode": "filter", "values": ["gpt-4o"]},
                "provider": {"mode": "filter", "values": ["openai"]},
                "technique": "sliding",
            }
        ],
    },
    "store_id": "store-1",
    "stripe": {"authorization": "sk_test_secret", "usage_events": [{"payload": "{}"}]},
    "workers_ai_billing_mode": "unified",
    "zdr": True,
}
"""One valid value of each newer field, in the wire form the SDK sends."""
