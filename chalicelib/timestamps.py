"""The one timestamp format of the gateway's API fields and stored items."""

from __future__ import annotations

from datetime import UTC, datetime


def iso_utc(moment: datetime) -> str:
    """ISO-8601 UTC with milliseconds and a `Z`, the timestamp form of every API field."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
