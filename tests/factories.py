"""Builders of test data shared by the unit and end-to-end tests."""

from __future__ import annotations

from typing import Any

from chalicelib.logstore.ids import created_at_of, iso_utc, new_log_id
from chalicelib.logstore.record import LogRecord


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
