"""The hourly export of every gateway with `logpush: true` into the stack's bucket.

Each run exports, for each such gateway, the hours from its checkpoint (the end of the
last hour it exported) to the last complete hour, LAG after that hour's end (so the log
pipeline has delivered its logs), at most MAX_CATCH_UP back. Gateways take turns, one hour
each, until the run's time budget ends; the next run goes on from the checkpoints. A
gateway seen for the first time starts at the last complete hour (earlier hours: export
them on demand). An hour exported again replaces its object, so a run cut short anywhere
never leaves a log twice.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from chalicelib.accounts import AccountStore, Gateway
from chalicelib.export.destination import S3Prefix
from chalicelib.export.records import ExportReport
from chalicelib.export.store import GatewayNotFound, StoreExport
from chalicelib.export.window import Window, last_complete_hour

if TYPE_CHECKING:  # the boto3 type stubs are a development dependency only
    from mypy_boto3_s3 import S3Client

logger = logging.getLogger(__name__)

EXPORT_PREFIX = "exports/logs/"
"""Where the scheduled export writes in the bodies bucket (the Glue table's location)."""
CHECKPOINT_PREFIX = "exports/checkpoints/"
LAG = timedelta(minutes=15)
"""How long after an hour's end it is exported: the log queue delivers within seconds
(its age alarm is at 15 minutes); a log later than that waits for a re-export."""
MAX_CATCH_UP = timedelta(days=7)
MARGIN_S = 120
"""Time a run leaves unused (at most; a quarter of a shorter invocation), so the hour in
hand ends before the function's timeout."""


def export_budget_s(remaining_s: float) -> float:
    """How long a run may export, given the invocation's `remaining_s` (its context)."""
    return max(0.0, remaining_s - min(MARGIN_S, remaining_s / 4))


@dataclass
class ScheduleReport:
    """What one scheduled run did."""

    gateways: int = 0
    hours: int = 0
    complete: bool = True
    """False when the budget ended first (the next run goes on)."""
    failed: list[str] = field(default_factory=list)
    """Gateways (`account/gateway`) whose export failed this run (retried by the next)."""
    export: ExportReport = field(default_factory=ExportReport)


class ScheduledExport:
    """Exports the due hours of every gateway with logpush on, within a time budget."""

    def __init__(
        self,
        accounts: AccountStore,
        store: StoreExport,
        s3: S3Client,
        bucket: str,
        with_bodies: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._accounts = accounts
        self._store = store
        self._s3 = s3
        self._bucket = bucket
        self._destination = S3Prefix(s3, bucket, EXPORT_PREFIX)
        self._with_bodies = with_bodies
        self._clock = clock

    def run(self, now: datetime, budget_s: float) -> ScheduleReport:
        """Export what is due at `now`, until `budget_s` seconds have passed."""
        deadline = self._clock() + budget_s
        last = last_complete_hour(now, LAG)
        report = ScheduleReport()
        due: dict[str, list[Window]] = {}
        for gateway in self._accounts.logpush_gateways():
            report.gateways += 1
            start = max(self._checkpoint(gateway) or last.start, last.end - MAX_CATCH_UP)
            if start < last.end:
                due[_name(gateway)] = list(Window(start, last.end).hours())
        while due:
            for name in list(due):
                if self._clock() > deadline:
                    report.complete = False
                    return report
                hour = due[name].pop(0)
                if not self._export(name, hour, report):
                    due[name].clear()  # leave the gateway for the next run
                if not due[name]:
                    del due[name]
        return report

    def _export(self, name: str, hour: Window, report: ScheduleReport) -> bool:
        account_id, gateway_id = name.split("/")
        try:
            report.export.add(
                self._store.export_window(
                    account_id, gateway_id, hour, self._destination, self._with_bodies
                )
            )
        except GatewayNotFound:
            return False  # deleted since it was listed
        except Exception:  # one gateway's failure never stops the others'
            logger.exception("export of %s, %s failed", name, hour.start.isoformat())
            report.failed.append(name)
            return False
        self._s3.put_object(
            Bucket=self._bucket, Key=CHECKPOINT_PREFIX + name, Body=hour.end.isoformat().encode()
        )
        report.hours += 1
        return True

    def _checkpoint(self, gateway: Gateway) -> datetime | None:
        try:
            answer = self._s3.get_object(
                Bucket=self._bucket, Key=CHECKPOINT_PREFIX + _name(gateway)
            )
        except self._s3.exceptions.NoSuchKey:
            return None
        return datetime.fromisoformat(answer["Body"].read().decode())


def _name(gateway: Gateway) -> str:
    return f"{gateway.account_id}/{gateway.id}"
