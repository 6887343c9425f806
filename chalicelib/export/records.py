"""Export one window of one gateway's logs, given as API-form records, to a destination.

Each hour of the window becomes one object (chalicelib.export.layout) holding exactly the
window's logs of that hour, each once (a repeated id is skipped); an hour without logs has
its object removed. So exporting a window again, after late logs arrived or logs were
deleted, leaves each log of the window in exactly one row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from chalicelib.export.destination import Destination, open_destination
from chalicelib.export.layout import hour_key
from chalicelib.export.parquet import ParquetFile
from chalicelib.export.rows import Bodies, Unplaceable, add_bodies, row_of
from chalicelib.export.window import Window, floor_hour

BodyLookup = Callable[[str], Bodies | None]
"""The bodies of a log by its id (None when it has none)."""


@dataclass
class ExportReport:
    """What an export wrote, and what it left out."""

    logs: int = 0
    """Rows written (one per log)."""
    files: int = 0
    bytes: int = 0
    """Parquet bytes written."""
    removed: int = 0
    """Hours without logs whose objects were removed (or never existed)."""
    outside: int = 0
    """Records whose created_at falls outside the window."""
    duplicates: int = 0
    """Records whose id came before in the same window."""
    unplaceable: int = 0
    """Records without an id, or without a creation time (neither created_at nor the id's)."""

    def add(self, other: ExportReport) -> None:
        """Add another export's counts to this one's."""
        for item in fields(self):
            setattr(self, item.name, getattr(self, item.name) + getattr(other, item.name))


def export_records(
    records: Iterable[Mapping[str, Any]],
    *,
    account_id: str,
    gateway_id: str,
    window: Window,
    destination: Destination | str,
    bodies: BodyLookup | None = None,
) -> ExportReport:
    """Export the API-form `records` of one gateway and window (in any order) to
    `destination` (a Destination, a folder or `s3://bucket/prefix`), with each exported
    log's bodies from `bodies` when given (asked once per log written, not for the records
    left out). The window's objects are built in memory: export a long range window by
    window (`Window.hours`)."""
    target = open_destination(destination) if isinstance(destination, str) else destination
    keys = {hour.start: hour_key(account_id, gateway_id, hour.start) for hour in window.hours()}
    report = ExportReport()
    files: dict[datetime, ParquetFile] = {}
    seen: set[str] = set()
    for record in records:
        try:
            row = row_of(record, account_id, gateway_id)
        except Unplaceable:
            report.unplaceable += 1
            continue
        if not window.holds(row["created_at"]):
            report.outside += 1
            continue
        if row["id"] in seen:
            report.duplicates += 1
            continue
        seen.add(row["id"])
        if bodies is not None:
            add_bodies(row, bodies(row["id"]))
        start = floor_hour(row["created_at"])
        if start not in files:
            files[start] = ParquetFile()
        files[start].add(row)
    empty: list[str] = []
    for start, key in keys.items():
        file = files.pop(start, None)
        if file is None:
            empty.append(key)
            continue
        data = file.finish()
        target.put(key, data)
        report.logs += file.rows
        report.files += 1
        report.bytes += len(data)
    target.delete(empty)
    report.removed = len(empty)
    return report
