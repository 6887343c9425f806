from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from aig_cli.errors import UsageError
from aig_cli.export import summary, summary_line, time_range
from aig_cli.export_target import Folder
from chalicelib.export import ExportReport, Window
from infra.package import ROOT

NOW = datetime(2026, 6, 2, 12, 34, 56, tzinfo=UTC)


def test_the_default_range_is_the_last_24_hours() -> None:
    assert time_range(None, None, NOW) == (NOW - timedelta(hours=24), NOW)
    end = datetime(2026, 6, 1, tzinfo=UTC)
    assert time_range(None, "2026-06-01", NOW) == (end - timedelta(hours=24), end)
    assert time_range("2h", None, NOW) == (NOW - timedelta(hours=2), NOW)


def test_start_must_come_before_end() -> None:
    with pytest.raises(UsageError, match=r"--start \(.*\) must be before --end"):
        time_range("1h", "2h", NOW)


def test_summary_and_its_line() -> None:
    report = ExportReport(logs=1, files=1, bytes=12_800, removed=24, duplicates=2)
    window = Window.covering(NOW - timedelta(hours=24), NOW)
    done = summary(report, window, "main", Folder(Path("/srv/x")))
    assert done == {
        "gateway": "main",
        "start": "2026-06-01T12:00:00.000Z",
        "end": "2026-06-02T13:00:00.000Z",
        "hours": 25,
        "logs": 1,
        "files": 1,
        "bytes": 12_800,
        "empty_hours": 24,
        "skipped": 2,
        "destination": "/srv/x",
    }
    assert summary_line(done) == (
        "exported 1 log of main, 2026-06-01 12:00:00 to 2026-06-02 13:00:00 UTC (25 hours): "
        "1 file, 12.5 KiB, to /srv/x"
    )


def test_aig_loads_neither_pyarrow_nor_the_gateway_until_export_runs() -> None:
    probe = (
        "import sys, aig_cli.main; "
        "print(sorted(m for m in ('pyarrow', 'chalicelib', 'boto3') if m in sys.modules))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert loaded.stdout.strip() == "[]"
