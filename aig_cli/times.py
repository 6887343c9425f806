"""Moments given on the command line: ISO-8601, or a span back from now (`15m`, `2h`)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from aig_cli.errors import UsageError

_SPAN = re.compile(r"(\d{1,6})([smhdw])")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def moment(text: str, now: datetime, option: str) -> str:
    """`text` as an ISO-8601 UTC time for the API: a date-time (naive = UTC) or `<n><unit>`
    (s, m, h, d, w) before `now`; UsageError naming `option` otherwise."""
    span = _SPAN.fullmatch(text.strip())
    if span:
        amount, unit = int(span.group(1)), _UNITS[span.group(2)]
        try:
            return iso(now - timedelta(**{unit: amount}))
        except OverflowError:
            raise UsageError(f"{option} reaches before year 1: {text[:40]!r}") from None
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(
            f"{option} must be an ISO-8601 date-time or a span such as 15m, 2h, 7d; "
            f"got {text[:40]!r}"
        ) from None
    return iso(parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed)


def iso(at: datetime) -> str:
    """`at` in UTC as the API writes times (`2025-01-02T03:04:05.678Z`)."""
    utc = at.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def parse_iso(text: str) -> datetime:
    """An API time back to an aware datetime."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
