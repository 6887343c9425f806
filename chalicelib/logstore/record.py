"""The log record: one per proxied request, small (no bodies).

Its forms live beside it: the DynamoDB item (record_item), the queue message (messages)
and the API answer (record_api)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

HEAD_BYTES = 128
"""How much of each body the record keeps inline for list views (keeps items under 1 KB)."""


@dataclass(frozen=True)
class LogRecord:
    """Metadata of one proxied request, as stored in the `logs` table."""

    id: str
    created_at: str
    account_id: str
    gateway_id: str
    provider: str
    path: str
    status_code: int
    success: bool
    duration: int
    model: str | None = None
    model_type: str | None = None
    request_type: str = "provider"
    cached: bool = False
    step: int = 0
    tokens_in: int | None = None
    tokens_out: int | None = None
    cost: Decimal | None = None
    custom_cost: bool = False
    time_to_first_token: int | None = None
    metadata: dict[str, str | int | float | bool] = field(default_factory=dict)
    event_id: str | None = None
    feedback: int | None = None
    score: int | None = None
    request_size: int = 0
    response_size: int = 0
    request_content_type: str | None = None
    response_content_type: str | None = None
    request_head: str = ""
    response_head: str = ""
    request_head_complete: bool = True
    response_head_complete: bool = True
    body_key: str | None = None
    body_offset: int | None = None
    """Where the bodies start in `body_key` when it is a pack of many logs' bodies."""
    body_length: int | None = None
    body_truncated: bool = False
    user_agent: str | None = None
    error: str | None = None
    normalized: list[str] | None = None
    """Fields whose values DynamoDB could not store and were replaced (logstore.item_limits)."""

    @property
    def own_body_key(self) -> str | None:
        """The S3 object that holds this log's bodies alone (None when they are in a pack,
        where deleting the log makes them unreachable and compaction reclaims the bytes)."""
        return self.body_key if self.body_offset is None else None


def body_head(body: bytes) -> tuple[str, bool]:
    """Return the first bytes of a body as text, and whether that is the whole body."""
    head = body[:HEAD_BYTES].decode("utf-8", errors="ignore")
    return head, len(body) <= HEAD_BYTES
