"""What `aig export` reads through the logs API: every log of a time range, oldest first
(paged by cursor, the API's largest pages), cut into hours as it streams, and, when asked,
each log's stored bodies."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from aig_cli import log_pages
from aig_cli.client import ApiClient, Params
from aig_cli.log_bodies import fetch_raw
from aig_cli.times import iso, parse_iso

Log = dict[str, Any]

BodyPair = tuple[bytes | None, bytes | None]
"""A log's request and response bodies (None: not stored)."""


def range_params(start: datetime, end: datetime) -> Params:
    """The logs API's query of the logs created in [start, end), oldest first: `start_date`
    (from, with it) and a created_at `lt` filter (until, without it)."""
    until = [{"key": "created_at", "operator": "lt", "value": [iso(end)]}]
    return [
        ("start_date", iso(start)),
        ("filters", json.dumps(until)),
        ("order_by", "created_at"),
        ("direction", "asc"),
    ]


def logs_between(
    api: ApiClient, start: datetime, end: datetime, fetched: Callable[[int], None]
) -> Iterator[Log]:
    """Every log created in [start, end), oldest first, in the API's form; `fetched(n)`
    after each page."""
    for answer in log_pages.pages(api, range_params(start, end), None):
        fetched(len(answer.result))
        yield from answer.result


class HourCutter:
    """Cuts a stream of logs, oldest first, into consecutive spans (hours) without holding
    more than one log: each span's logs are read as the span is written."""

    def __init__(self, logs: Iterator[Log]) -> None:
        self._logs = logs
        self._next: Log | None = None

    def until(self, end: datetime) -> Iterator[Log]:
        """The logs from where the stream stands up to the first created at or after `end`
        (a log without a readable created_at goes with the span it comes in)."""
        while True:
            if self._next is None:
                self._next = next(self._logs, None)
                if self._next is None:
                    return
            created = _created(self._next)
            if created is not None and created >= end:
                return
            log, self._next = self._next, None
            yield log


def _created(log: Log) -> datetime | None:
    text = log.get("created_at")
    try:
        return parse_iso(text) if isinstance(text, str) else None
    except ValueError:
        return None


def body_lookup(api: ApiClient) -> Callable[[str], BodyPair]:
    """A log id's stored request and response bodies, read from the API."""

    def bodies(log_id: str) -> BodyPair:
        request, response = (fetch_raw(api, log_id, part) for part in ("request", "response"))
        return (
            None if request is None else request.body,
            None if response is None else response.body,
        )

    return bodies
