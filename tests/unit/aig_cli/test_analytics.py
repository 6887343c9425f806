"""`aig analytics`: the group_by it asks for and its table, against a fake API."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from aig_cli import analytics, main
from aig_cli.client import ApiClient
from aig_cli.settings import Settings

ROWS = [
    {"hour": "2026-06-01T10:00:00Z", "model": "gpt-4o", "requests": 2, "errors": 1, "cost": 0.25},
    {"hour": "2026-06-01T10:00:00Z", "model": "claude", "requests": 1, "errors": 0, "cost": 0.0},
]


def _run(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *argv: str
) -> tuple[list[httpx.Request], str]:
    seen: list[httpx.Request] = []

    def api(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        info: dict[str, Any] = {"start": "s", "end": "e", "count": len(ROWS)}
        envelope = {"success": True, "errors": [], "messages": [], "result": ROWS}
        return httpx.Response(200, json={**envelope, "result_info": info})

    def client(settings: Settings) -> ApiClient:
        return ApiClient(settings, transport=httpx.MockTransport(api))

    monkeypatch.setattr(analytics, "ApiClient", client)
    monkeypatch.setenv("COLUMNS", "200")
    with pytest.raises(SystemExit) as exited:
        main.main(["analytics", "--token", "t", "--account", "a", "--gateway", "g", *argv])
    assert exited.value.code in (0, None)
    return seen, capsys.readouterr().out


@pytest.mark.parametrize("pair", ["hour,model", "hour,provider"])
def test_a_pair_is_asked_for_as_is(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], pair: str
) -> None:
    (request,), _ = _run(monkeypatch, capsys, "--group-by", pair)
    assert request.url.params["group_by"] == pair


def test_hour_and_model_is_a_table_with_both_key_columns(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _, shown = _run(monkeypatch, capsys, "--group-by", "hour,model")
    table = [_cells(line) for line in shown.splitlines() if "┃" in line or "│" in line]
    assert table[0][:3] == ["hour", "model", "requests"]
    assert [row[1:4] for row in table[1:]] == [["gpt-4o", "2", "1"], ["claude", "1", "0"]]


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.replace("┃", "│").split("│")]


def test_analytics_row_has_each_key_then_the_sums() -> None:
    cells = analytics.analytics_row(ROWS[0], ["hour", "model"])
    assert cells[1:3] == ["gpt-4o", "2"]
    assert cells[0] != ROWS[0]["hour"]  # the hour is written as a local time
    assert len(cells) == 2 + len(analytics.COLUMNS)


def test_another_value_is_a_usage_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main.main(
            ["analytics", "-g", "g", "--token", "t", "--account", "a", "--group-by", "model,hour"]
        )
    assert exited.value.code == 2
    assert "hour,provider" in capsys.readouterr().err
