"""The round trip: logs stored through the pipeline, exported with `infra.export_logs`,
read back with DuckDB (the README's own query), against the analytics API's figures."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from chalicelib import wiring
from chalicelib.accounts.store import AccountStore
from chalicelib.logstore import LogRecord, new_log_id
from infra.export_logs import main as export_main
from tests.factories import log_record
from tests.support.readme import export_query
from tests.support.tenants import make_tenant
from tests.unit.export.helpers import query, store

T = datetime(2026, 6, 1, 10, tzinfo=UTC)
H = timedelta(hours=1)
RANGE = ["--start", "2026-06-01T10:00:00Z", "--end", "2026-06-01T13:00:00Z"]


def _logs(account: str, gateway: str, count: int, rng: random.Random) -> list[LogRecord]:
    records = []
    for index in range(count):
        moment = T - H + timedelta(seconds=rng.randint(0, 5 * 3600 - 1))
        known = rng.random() > 0.2  # a fifth without usage: null tokens and cost
        records.append(
            log_record(
                new_log_id(moment),
                account_id=account,
                gateway_id=gateway,
                provider=rng.choice(["openai", "anthropic"]),
                model=rng.choice(["gpt-4o", "claude-sonnet-4", None]),
                success=rng.random() > 0.1,
                tokens_in=rng.randint(1, 5000) if known else None,
                tokens_out=rng.randint(0, 900) if known else None,
                cost=Decimal(rng.randint(0, 10**6)) / 10**7 if known else None,
                metadata={"user": f"u{index % 3}", "n": index} if index % 2 else {},
            )
        )
    return records


@pytest.fixture
def stored(accounts: AccountStore) -> list[LogRecord]:
    """demo/default (the README's gateway) and the same gateway id of another account."""
    make_tenant(accounts, "demo", "default")
    make_tenant(accounts, "other", "default")
    rng = random.Random(14)
    mine = _logs("demo", "default", 90, rng)
    store(mine + _logs("other", "default", 30, rng))
    return mine


def _analytics() -> dict[str, float]:
    answer = wiring.analytics_api().analytics(
        "demo",
        "default",
        {"start": ["2026-06-01T10:00:00Z"], "end": ["2026-06-01T13:00:00Z"], "group_by": ["hour"]},
    )
    rows = answer["result"]
    return {
        name: sum(row[name] for row in rows)
        for name in ("requests", "tokens_in", "tokens_out", "cost")
    }


def test_the_readme_query_over_an_export_matches_the_analytics(
    stored: list[LogRecord],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    assert (
        export_main(["--account", "demo", "--gateway", "default", "--to", "exports", *RANGE]) == 0
    )
    printed = json.loads(capsys.readouterr().out)
    expected = _analytics()
    assert printed["logs"] == expected["requests"] > 0

    def totals() -> tuple[int, int, int, float]:
        rows = duckdb.sql(export_query()).fetchall()  # date, provider, model, logs, ...
        return (
            sum(row[3] for row in rows),
            sum(row[4] or 0 for row in rows),
            sum(row[5] or 0 for row in rows),
            sum(row[6] or 0 for row in rows),
        )

    logs, tokens_in, tokens_out, cost = totals()
    assert (logs, tokens_in, tokens_out) == (
        expected["requests"],
        expected["tokens_in"],
        expected["tokens_out"],
    )
    assert cost == pytest.approx(expected["cost"], rel=1e-12)
    assert (
        export_main(["--account", "demo", "--gateway", "default", "--to", "exports", *RANGE]) == 0
    )
    assert totals() == (logs, tokens_in, tokens_out, cost)  # the same rows, none twice


def test_an_export_holds_its_logs_once_and_never_another_accounts(
    stored: list[LogRecord], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--account", "demo", "--gateway", "default", "--to", str(tmp_path), *RANGE]
    assert export_main(args) == 0
    assert export_main([*args, "--bodies"]) == 0
    rows = query(tmp_path, "SELECT id, account_id, metadata, request_body FROM logs ORDER BY id")
    window = [r for r in stored if T <= datetime.fromisoformat(r.created_at) < T + 3 * H]
    assert [row[0] for row in rows] == sorted(r.id for r in window)
    assert {row[1] for row in rows} == {"demo"}
    by_id = {r.id: r for r in window}
    for log_id, _, metadata, body in rows:
        assert json.loads(metadata or "{}") == by_id[log_id].metadata
        assert body == f'{{"q": "{log_id}"}}'


def test_an_unknown_gateway_is_an_error_not_an_empty_export(
    accounts: AccountStore, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert export_main(["--account", "demo", "--gateway", "nope", "--to", str(tmp_path)]) == 1
    assert "not found" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())
