"""What `aig export` reads through the logs API: every log of one time span (paged by
cursor, the API's largest pages) and, when asked, each log's stored bodies."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from aig_cli import log_pages
from aig_cli.client import ApiClient, Params
from aig_cli.log_bodies import fetch_raw
from aig_cli.times import iso

BodyPair = tuple[bytes | None, bytes | None]
"""A log's request and response bodies (None: not stored)."""


def span_params(start: datetime, end: datetime) -> Params:
    """The logs API's filters of the logs created in [start, end): `start_date` (from, with
    it) and a created_at `lt` filter (until, without it)."""
    until = [{"key": "created_at", "operator": "lt", "value": [iso(end)]}]
    return [("start_date", iso(start)), ("filters", json.dumps(until))]


def logs_between(
    api: ApiClient, start: datetime, end: datetime, fetched: Callable[[int], None]
) -> Iterator[dict[str, Any]]:
    """Every log created in [start, end), in the API's form; `fetched(n)` after each page."""
    for answer in log_pages.pages(api, span_params(start, end), None):
        fetched(len(answer.result))
        yield from answer.result


def body_lookup(api: ApiClient) -> Callable[[str], BodyPair]:
    """A log id's stored request and response bodies, read from the API."""

    def bodies(log_id: str) -> BodyPair:
        request, response = (fetch_raw(api, log_id, part) for part in ("request", "response"))
        return (
            None if request is None else request.body,
            None if response is None else response.body,
        )

    return bodies
