from __future__ import annotations

import json
from typing import Any

import httpx

from aig_cli import log_pages
from aig_cli.client import ApiClient
from aig_cli.settings import Settings

SETTINGS = Settings("http://gw.test", "t", "acme", "main")


class Pages:
    """A logs API of 250 logs that ends some pages early, as a read budget may."""

    def __init__(self) -> None:
        self.asked: list[dict[str, Any]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        params = dict(request.url.params)
        self.asked.append(params)
        start = int(params.get("cursor", "0"))
        count = min(int(params["per_page"]), 40 if start == 100 else 1000, 250 - start)
        logs = [{"id": f"{n:03d}"} for n in range(start, start + count)]
        following = start + count
        info = {"cursor": str(following) if following < 250 else None}
        return httpx.Response(200, json={"success": True, "result": logs, "result_info": info})


def _ids(pages: Pages, limit: int | None) -> list[str]:
    with ApiClient(SETTINGS, transport=httpx.MockTransport(pages)) as api:
        return [log["id"] for page in log_pages.pages(api, [], limit) for log in page.result]


def test_every_page_through_the_cursor() -> None:
    pages = Pages()
    assert _ids(pages, None) == [f"{n:03d}" for n in range(250)]
    assert [asked.get("cursor") for asked in pages.asked] == [None, "100", "140", "240"]


def test_a_limit_asks_only_for_what_is_left() -> None:
    pages = Pages()
    assert len(_ids(pages, 130)) == 130
    assert [asked["per_page"] for asked in pages.asked] == ["100", "30"]


def test_since_adds_the_window_to_the_filters() -> None:
    pages = Pages()
    with ApiClient(SETTINGS, transport=httpx.MockTransport(pages)) as api:
        log_pages.since(api, [("model", "m")], "2025-01-01T00:00:00.000Z")
        log_pages.since(api, [], None)
    window = json.loads(pages.asked[0]["filters"])
    assert window == [
        {"key": "created_at", "operator": "gt", "value": ["2025-01-01T00:00:00.000Z"]}
    ]
    assert pages.asked[0]["model"] == "m"
    assert "filters" not in pages.asked[-1] and pages.asked[-1]["per_page"] == "100"
