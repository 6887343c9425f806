"""`aig export`: a gateway's logs of a time range to Parquet, one file per UTC hour under
account_id=/gateway_id=/date= (README: Export), in a folder or an S3 prefix.

The logs come through the logs API (export_source), oldest first, each hour written as
its logs have streamed in (memory holds one hour's Parquet); the Parquet files are
written by the gateway's own writer, chalicelib.export (`export_records`), so the CLI's
files are the hourly export's files: the one import of chalicelib the import contracts
allow. It needs pyarrow and is imported only when the command runs, so `aig --help` and
the other commands stay fast. Each hour's file is replaced whole: exporting a range again
never duplicates a log.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Any

import typer

from aig_cli import formatting, output
from aig_cli.client import ApiClient
from aig_cli.errors import CliError, UsageError
from aig_cli.export_source import HourCutter, body_lookup, logs_between
from aig_cli.export_target import (
    BatchedDeletes,
    Folder,
    Target,
    check_bucket,
    check_folder,
    parse_target,
    s3_client,
    writing,
)
from aig_cli.options import connection
from aig_cli.settings import Settings
from aig_cli.times import iso, moment, parse_iso

if TYPE_CHECKING:
    from chalicelib.export import Destination, ExportReport, Window

DEFAULT_SPAN = timedelta(hours=24)


def register(app: typer.Typer) -> None:
    """Add the `export` command to `app`."""
    app.command("export")(export_logs)


@connection(gateway=True)
def export_logs(
    settings: Settings,
    to: Annotated[
        str,
        typer.Option(
            "--to", help="A folder (created if need be) or s3://bucket/prefix.", show_default=False
        ),
    ],
    start: Annotated[
        str | None,
        typer.Option(
            help="From: ISO-8601 or 15m, 2h, 7d ago (default: 24h before --end), rounded "
            "down to the hour."
        ),
    ] = None,
    end: Annotated[
        str | None,
        typer.Option(help="Until: ISO-8601 or a span ago (default: now), rounded up to the hour."),
    ] = None,
    bodies: Annotated[
        bool, typer.Option("--bodies", help="Also each log's request and response text.")
    ] = False,
    json_out: Annotated[bool, typer.Option("--json", help="The summary as JSON (stdout).")] = False,
) -> None:
    """Export a gateway's logs to Parquet files, one per UTC hour.

    Files go under account_id=/gateway_id=/date=/HH.parquet. The range (default: the last
    24 hours) is widened to whole UTC hours; each hour's file is replaced, so exporting
    again never duplicates a log. S3 uses the AWS SDK's default credentials and settings
    (AWS_PROFILE, AWS_ENDPOINT_URL, ...)."""
    target = parse_target(to)
    since, until = time_range(start, end, datetime.now(UTC))
    try:
        from chalicelib.export import ExportReport, Window, export_records
    except ModuleNotFoundError as exc:
        raise CliError(
            f"aig export needs the Python package {exc.name} (make install installs it)"
        ) from None
    window = Window.covering(since, until)
    gateway_id = str(settings.gateway)
    report = ExportReport()
    with ApiClient(settings) as api:
        api.call("GET", api.gateway_path())  # unknown, or another account's: refused (exit 3)
        destination = BatchedDeletes(_open(target))
        lookup = body_lookup(api) if bodies else None
        hours = list(window.hours())
        fetched = 0
        with output.progress("exporting hours", len(hours)) as advance, writing(target):

            def on_page(count: int) -> None:
                nonlocal fetched
                fetched += count
                advance(0, description=f"exporting hours ({fetched:,} logs)")

            logs = HourCutter(logs_between(api, window.start, window.end, on_page))
            for hour in hours:
                written = export_records(
                    logs.until(hour.end),
                    account_id=settings.account,
                    gateway_id=gateway_id,
                    window=hour,
                    destination=destination,
                    bodies=lookup,
                )
                report.add(written)
                advance(1)
            destination.flush()
    done = summary(report, window, gateway_id, target)
    if json_out:
        output.print_json(done)
    else:
        output.out().print(summary_line(done), soft_wrap=True)


def time_range(start: str | None, end: str | None, now: datetime) -> tuple[datetime, datetime]:
    """`--start` and `--end` as UTC times: `end` defaults to `now`, `start` to 24 hours
    before `end`; UsageError unless start comes first."""
    until = parse_iso(moment(end, now, "--end")) if end else now
    since = parse_iso(moment(start, now, "--start")) if start else until - DEFAULT_SPAN
    if since >= until:
        raise UsageError(f"--start ({iso(since)}) must be before --end ({iso(until)})")
    return since, until


def _open(target: Target) -> Destination:
    """The checked destination (UsageError, exit 2, when it cannot be written)."""
    from chalicelib.export import LocalDir, S3Prefix

    if isinstance(target, Folder):
        check_folder(target)
        return LocalDir(target.path)
    s3 = s3_client()
    check_bucket(s3, target)
    return S3Prefix(s3, target.bucket, target.prefix)


def summary(report: ExportReport, window: Window, gateway: str, target: Target) -> dict[str, Any]:
    """What the export did, for --json: the window, its hours, the logs written, the files
    (hours with logs), their bytes, the hours without logs (their files removed), logs left
    out (repeated, outside their hour, without id or time: 0 from a sound API) and where."""
    return {
        "gateway": gateway,
        "start": iso(window.start),
        "end": iso(window.end),
        "hours": sum(1 for _ in window.hours()),
        "logs": report.logs,
        "files": report.files,
        "bytes": report.bytes,
        "empty_hours": report.removed,
        "skipped": report.outside + report.duplicates + report.unplaceable,
        "destination": target.url,
    }


def summary_line(done: dict[str, Any]) -> str:
    """The summary as one line of text."""
    return (
        f"exported {formatting.count(done['logs'], 'log')} of {done['gateway']}, "
        f"{formatting.when(done['start'])} to {formatting.when(done['end'])} UTC "
        f"({formatting.count(done['hours'], 'hour')}): {formatting.count(done['files'], 'file')}, "
        f"{formatting.size(done['bytes'])}, to {done['destination']}"
    )
