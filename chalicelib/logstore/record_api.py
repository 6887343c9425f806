"""The API form of a log record: Cloudflare's log fields and our documented additions."""

from __future__ import annotations

import json
from typing import Any

from chalicelib.logstore.record import LogRecord

CLOUDFLARE_FIELDS = (
    "id",
    "created_at",
    "provider",
    "model",
    "model_type",
    "path",
    "request_type",
    "status_code",
    "success",
    "cached",
    "step",
    "duration",
    "tokens_in",
    "tokens_out",
    "cost",
    "custom_cost",
    "metadata",
    "request_content_type",
    "response_content_type",
    "request_size",
    "response_size",
    "request_head",
    "request_head_complete",
    "response_head",
    "response_head_complete",
)
"""The log fields of Cloudflare's API (the SDK's LogListResponse and LogGetResponse)."""

EXTRA_FIELDS = (
    "event_id",
    "feedback",
    "score",
    "time_to_first_token",
    "body_truncated",
    "error",
    "user_agent",
    "normalized",
)
"""Our documented additions to Cloudflare's log fields (README, "Log records")."""

API_FIELDS = CLOUDFLARE_FIELDS + EXTRA_FIELDS
"""Every field a log record shows in an answer: storage keys and internal ids never."""


def record_json(record: LogRecord) -> dict[str, Any]:
    """Return the Cloudflare-compatible JSON form of the record: API_FIELDS only."""
    out = {name: getattr(record, name) for name in API_FIELDS}
    out["cost"] = float(record.cost) if record.cost is not None else None
    out["metadata"] = json.dumps(record.metadata) if record.metadata else None
    out["model"] = record.model or ""
    return out
