"""Reading logs page after page through the API's cursor."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from aig_cli.client import Answer, ApiClient, Params

PER_PAGE = 100
"""The API's largest page."""


def pages(api: ApiClient, params: Params, limit: int | None) -> Iterator[Answer]:
    """The pages of the logs query `params`, up to `limit` logs in all (None: every one).
    A page may hold fewer logs than asked and still not be the last."""
    path = api.gateway_path("logs")
    cursor: str | None = None
    got = 0
    while limit is None or got < limit:
        want = PER_PAGE if limit is None else min(PER_PAGE, limit - got)
        page_params = [*params, ("per_page", str(want))]
        if cursor:
            page_params.append(("cursor", cursor))
        answer = api.call("GET", path, page_params)
        got += len(answer.result)
        yield answer
        cursor = answer.info.get("cursor")
        if not cursor:
            return


def since(api: ApiClient, params: Params, start: str | None) -> list[dict[str, Any]]:
    """Logs of `params` created after `start` (ISO-8601), newest first; with None, the
    newest page only (`logs tail`'s fetch)."""
    if start is None:
        return list(next(pages(api, params, PER_PAGE)).result)
    window = ("filters", json.dumps([{"key": "created_at", "operator": "gt", "value": [start]}]))
    return [log for answer in pages(api, [*params, window], None) for log in answer.result]
