"""Export straight from the log store: a gateway's logs of a window, read hour by hour in
created_at order (one k-way merge over its shards per hour), with their bodies from S3
when asked (read in parallel, a chunk of logs at a time)."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from chalicelib.accounts import AccountStore
from chalicelib.export.destination import Destination, open_destination
from chalicelib.export.records import ExportReport, export_records
from chalicelib.export.rows import Bodies
from chalicelib.export.window import Window
from chalicelib.logstore import (
    LogRecord,
    LogSearch,
    LogSearcher,
    S3BodyStore,
    make_filter,
    record_json,
)
from chalicelib.timestamps import iso_utc

BODY_CHUNK = 256
"""Logs whose bodies are read at once (one ranged GET each, BODY_READERS in parallel)."""
BODY_READERS = 16


class GatewayNotFound(LookupError):
    """The gateway to export does not exist (or is being deleted)."""


class StoreExport:
    """Exports gateways' windows from the logs table (and the bodies bucket)."""

    def __init__(self, accounts: AccountStore, searcher: LogSearcher, bodies: S3BodyStore) -> None:
        self._accounts = accounts
        self._searcher = searcher
        self._bodies = bodies

    def export_window(
        self,
        account_id: str,
        gateway_id: str,
        window: Window,
        destination: Destination | str,
        with_bodies: bool = False,
    ) -> ExportReport:
        """Export each hour of `window` of one gateway to `destination` (a Destination, a
        folder or `s3://bucket/prefix`); GatewayNotFound when there is no such gateway."""
        gateway = self._accounts.get_gateway(account_id, gateway_id)
        if gateway is None or gateway.deleting:
            raise GatewayNotFound(f"gateway {gateway_id} of account {account_id} not found")
        target = open_destination(destination) if isinstance(destination, str) else destination
        report = ExportReport()
        for hour in window.hours():
            query = LogSearch(
                account_id,
                gateway_id,
                gateway.shard_count,
                filters=(
                    make_filter("created_at", "gte", [iso_utc(hour.start)]),
                    make_filter("created_at", "lt", [iso_utc(hour.end)]),
                ),
                descending=False,
            )
            report.add(self._export_hour(query, hour, target, with_bodies))
        return report

    def _export_hour(
        self, query: LogSearch, hour: Window, target: Destination, with_bodies: bool
    ) -> ExportReport:
        records = self._searcher.each(query)
        found: dict[str, Bodies | None] = {}
        return export_records(
            self._with_bodies(records, found) if with_bodies else map(record_json, records),
            account_id=query.account_id,
            gateway_id=query.gateway_id,
            window=hour,
            destination=target,
            bodies=(lambda log_id: found.pop(log_id, None)) if with_bodies else None,
        )

    def _with_bodies(
        self, records: Iterator[LogRecord], found: dict[str, Bodies | None]
    ) -> Iterator[dict[str, Any]]:
        """The records' API forms, a chunk at a time, each chunk's bodies read into `found`
        (by log id) before its records are yielded."""
        with ThreadPoolExecutor(BODY_READERS, thread_name_prefix="export-bodies") as pool:
            while chunk := [record for _, record in zip(range(BODY_CHUNK), records, strict=False)]:
                found.update(zip((r.id for r in chunk), pool.map(self._read, chunk), strict=True))
                yield from map(record_json, chunk)

    def _read(self, record: LogRecord) -> Bodies | None:
        if record.body_key is None:
            return None
        stored = self._bodies.get(record.body_key, record.body_offset, record.body_length)
        return (stored.request, stored.response) if stored else None
