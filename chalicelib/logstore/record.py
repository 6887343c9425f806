"""The log record: one per proxied request, small (no bodies), and its storage forms."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from decimal import Decimal
from typing import Any

HEAD_BYTES = 128
"""How much of each body the record keeps inline for list views (keeps items under 1 KB)."""

FAILURE_INDEX = "failures"
FAILURE_INDEX_KEY = "fail_pk"

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


@dataclass
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

    def to_item(self, pk: str) -> dict[str, Any]:
        """Return the DynamoDB item (None values omitted, numbers as Decimal)."""
        item: dict[str, Any] = {"pk": pk, "sk": self.id}
        if not self.success:
            item[FAILURE_INDEX_KEY] = pk  # only failed logs enter the sparse failures index
        for name, value in asdict(self).items():
            if name == "id" or value is None or value == {}:
                continue
            item[name] = _to_dynamo(value)
        return item

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> LogRecord:
        """Rebuild a record from its DynamoDB item."""
        known = {f.name for f in fields(cls)}
        values = {k: _from_dynamo(v) for k, v in item.items() if k in known and k != "cost"}
        values["id"] = item["sk"]
        values["cost"] = item.get("cost")
        return cls(**values)

    def to_api(self) -> dict[str, Any]:
        """Return the Cloudflare-compatible JSON form of the record: API_FIELDS only."""
        out = {name: getattr(self, name) for name in API_FIELDS}
        out["cost"] = float(self.cost) if self.cost is not None else None
        out["metadata"] = json.dumps(self.metadata) if self.metadata else None
        out["model"] = self.model or ""
        return out


def body_head(body: bytes) -> tuple[str, bool]:
    """Return the first bytes of a body as text, and whether that is the whole body."""
    head = body[:HEAD_BYTES].decode("utf-8", errors="ignore")
    return head, len(body) <= HEAD_BYTES


def _to_dynamo(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, dict):
        return {k: _to_dynamo(v) for k, v in value.items()}
    return value


def _from_dynamo(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _from_dynamo(v) for k, v in value.items()}
    return value
