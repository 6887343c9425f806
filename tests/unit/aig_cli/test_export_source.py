from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from aig_cli.client import ApiClient
from aig_cli.export_source import HourCutter, body_lookup, range_params
from aig_cli.settings import Settings

SETTINGS = Settings("http://gw.test", "t", "acme", "main")
T = datetime(2026, 6, 1, 10, tzinfo=UTC)
H = timedelta(hours=1)


def test_range_params_are_from_with_until_without_oldest_first() -> None:
    params = dict(range_params(T, T + H))
    assert params["start_date"] == "2026-06-01T10:00:00.000Z"
    assert json.loads(params["filters"]) == [
        {"key": "created_at", "operator": "lt", "value": ["2026-06-01T11:00:00.000Z"]}
    ]
    assert (params["order_by"], params["direction"]) == ("created_at", "asc")


def _log(name: str, at: datetime | None) -> dict[str, Any]:
    return {"id": name, "created_at": None if at is None else at.isoformat()}


def test_hour_cutter_hands_out_each_hour_with_empty_ones() -> None:
    logs = [
        _log("a", T),
        _log("b", T + timedelta(minutes=59, seconds=59.999)),
        _log("odd", None),
        _log("c", T + 2 * H),
        _log("d", T + 2 * H + timedelta(minutes=5)),
    ]
    cutter = HourCutter(iter(logs))
    hours = [[log["id"] for log in cutter.until(T + n * H)] for n in (1, 2, 3, 4)]
    assert hours == [["a", "b", "odd"], [], ["c", "d"], []]


def test_body_lookup_reads_both_parts_and_none_when_not_stored() -> None:
    def api(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        assert path.startswith("/accounts/acme/ai-gateway/gateways/main/logs/L1/")
        if path.endswith("/request"):
            return httpx.Response(200, content=b'{"q": 1}')
        return httpx.Response(404, json={"success": False, "errors": [{"message": "no body"}]})

    with ApiClient(SETTINGS, transport=httpx.MockTransport(api)) as client:
        assert body_lookup(client)("L1") == (b'{"q": 1}', None)
