"""How values of the API look in tables and lines (pure functions)."""

from __future__ import annotations

from typing import Any

NONE = "-"
"""Shown for an unknown value (the API's null: e.g. no usage reported)."""

LOG_COLUMNS = (
    "time",
    "id",
    "provider",
    "model",
    "status",
    "tokens in/out",
    "cost",
    "duration",
    "cached",
    "feedback",
)


def when(iso: Any) -> str:
    """An API timestamp (`2025-01-02T03:04:05.678Z`) as `2025-01-02 03:04:05` (UTC)."""
    if not isinstance(iso, str) or len(iso) < 19:
        return NONE if not iso else str(iso)
    return iso[:10] + " " + iso[11:19]


def number(value: Any) -> str:
    """A count with thousands separators, or NONE."""
    if value is None or isinstance(value, bool):
        return NONE
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{value:,}" if isinstance(value, int | float) else str(value)


def tokens(tokens_in: Any, tokens_out: Any) -> str:
    """`in/out`, each NONE when unknown."""
    return f"{number(tokens_in)}/{number(tokens_out)}"


def cost(value: Any) -> str:
    """USD with enough digits for a single request (`$0.000123`), or NONE."""
    if value is None or isinstance(value, bool) or not isinstance(value, int | float):
        return NONE
    if value == 0:
        return "$0"
    return f"${value:.6f}".rstrip("0").rstrip(".") if abs(value) < 1 else f"${value:,.2f}"


def duration(ms: Any) -> str:
    """Milliseconds as `850 ms` or `12.3 s`, or NONE."""
    if ms is None or isinstance(ms, bool) or not isinstance(ms, int | float):
        return NONE
    return f"{ms:,.0f} ms" if ms < 10_000 else f"{ms / 1000:,.1f} s"


def count(amount: int, noun: str) -> str:
    """`1 log`, `1,200 logs` (a noun whose plural takes an s)."""
    return f"{amount:,} {noun}" + ("" if amount == 1 else "s")


def size(octets: int) -> str:
    """A number of bytes as `812 B`, `14.2 KiB`, `3.0 MiB` ..."""
    if octets < 1024:
        return f"{octets:,} B"
    amount = float(octets)
    for unit in ("KiB", "MiB", "GiB"):
        amount /= 1024
        if amount < 1024 or unit == "GiB":
            break
    return f"{amount:,.1f} {unit}"


def flag(value: Any) -> str:
    """`yes` for true, empty otherwise."""
    return "yes" if value is True else ""


def feedback(value: Any) -> str:
    """`+1` or `-1` (0 and unset are empty)."""
    if value in (1, -1) and not isinstance(value, bool):
        return f"{int(value):+d}"
    return ""


def status(log: dict[str, Any]) -> str:
    """The status code, with `!` when the log says the request failed."""
    code = log.get("status_code")
    shown = NONE if code is None else str(code)
    return shown if log.get("success", True) else shown + " !"


def log_row(log: dict[str, Any]) -> list[str]:
    """A log as the cells of LOG_COLUMNS."""
    return [
        when(log.get("created_at")),
        str(log.get("id", "")),
        str(log.get("provider") or NONE),
        str(log.get("model") or NONE),
        status(log),
        tokens(log.get("tokens_in"), log.get("tokens_out")),
        cost(log.get("cost")),
        duration(log.get("duration")),
        flag(log.get("cached")),
        feedback(log.get("feedback")),
    ]


def log_line(log: dict[str, Any]) -> str:
    """A log as one line of aligned fields (for `logs tail`)."""
    cells = log_row(log)
    widths = (19, 26, 12, 28, 5, 13, 10, 9, 3, 2)
    aligned = [cell.ljust(width) for cell, width in zip(cells, widths, strict=True)]
    return "  ".join(aligned).rstrip()
