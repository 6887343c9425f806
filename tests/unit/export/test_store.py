"""StoreExport: a gateway's window straight from the log store (and its packed bodies)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from chalicelib import wiring
from chalicelib.accounts.store import AccountStore
from chalicelib.export import StoreExport, Window
from chalicelib.logstore import new_log_id
from chalicelib.settings import Settings
from tests.factories import log_record
from tests.support.tenants import Tenant
from tests.unit.export.helpers import query, store

T = datetime(2026, 6, 1, 10, tzinfo=UTC)
H = timedelta(hours=1)


@pytest.fixture
def exporter(settings: Settings) -> StoreExport:
    return wiring.store_export()


def _logs(account: str, gateway: str, *offsets: timedelta) -> list[str]:
    records = [
        log_record(new_log_id(T + offset), account_id=account, gateway_id=gateway)
        for offset in offsets
    ]
    store(records)
    return [record.id for record in records]


def test_only_the_gateways_logs_of_the_window_are_exported_with_their_bodies(
    exporter: StoreExport,
    tenant: Tenant,
    other_tenant: Tenant,
    accounts: AccountStore,
    tmp_path: Path,
) -> None:
    accounts.create_gateway(tenant.account_id, "second", {})
    wanted = _logs("acme", "main", timedelta(minutes=1), H + timedelta(minutes=59))
    _logs("acme", "main", -timedelta(minutes=1), 2 * H)  # before and after the window
    _logs("acme", "second", timedelta(minutes=2))
    _logs("globex", "main", timedelta(minutes=3))  # the same gateway id, another account
    report = exporter.export_window("acme", "main", Window(T, T + 2 * H), str(tmp_path), True)
    assert (report.logs, report.files, report.outside, report.duplicates) == (2, 2, 0, 0)
    rows = query(
        tmp_path,
        "SELECT id, account_id, gateway_id, request_body, response_body FROM logs ORDER BY id",
    )
    assert [row[0] for row in rows] == sorted(wanted)
    for log_id, account, gateway, request, response in rows:
        assert (account, gateway) == ("acme", "main")
        assert (request, response) == (f'{{"q": "{log_id}"}}', f"answer {log_id}")


def test_without_bodies_the_body_columns_are_null(
    exporter: StoreExport, tenant: Tenant, tmp_path: Path
) -> None:
    _logs("acme", "main", timedelta(minutes=1))
    exporter.export_window("acme", "main", Window(T, T + H), str(tmp_path))
    assert query(tmp_path, "SELECT request_body, response_body FROM logs") == [(None, None)]


def test_late_logs_and_a_window_run_again_leave_each_log_once(
    exporter: StoreExport, tenant: Tenant, tmp_path: Path
) -> None:
    window = Window(T, T + H)
    first = _logs("acme", "main", timedelta(minutes=1), timedelta(minutes=2))
    exporter.export_window("acme", "main", window, str(tmp_path))
    late = _logs("acme", "main", timedelta(minutes=3))  # stored after the first run
    exporter.export_window("acme", "main", window, str(tmp_path))
    exporter.export_window("acme", "main", window, str(tmp_path))
    ids = [row[0] for row in query(tmp_path, "SELECT id FROM logs ORDER BY id")]
    assert ids == sorted(first + late)
