"""What `aig logs tail` prints: each log once, as it appears (pure; the fetching is given).

Logs can appear out of order (a streamed request is logged when it ends, queued logs a
moment later), so each poll reads every log of a window back from the newest time seen,
and prints those not printed before. A log that appears more than `window` after its
request started is not shown.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from aig_cli.times import iso, parse_iso

Log = dict[str, Any]

Fetch = Callable[[str | None], Iterable[Log]]
"""Logs newest first: with a start time (ISO-8601), every log created since; with None,
the newest page only."""


class Follower:
    """Remembers the logs seen within the window and hands out the others."""

    def __init__(self, fetch: Fetch, window: timedelta) -> None:
        self._fetch = fetch
        self._window = window
        self._seen: dict[str, datetime] = {}
        self._newest: datetime | None = None

    def start(self) -> list[Log]:
        """Take note of the logs there already are; return the newest page, oldest first."""
        latest = self._take(self._fetch(None))
        if self._newest is not None:
            self._take(self._fetch(self._since()))
        return latest

    def poll(self) -> list[Log]:
        """The logs that appeared since the last call, oldest first."""
        return self._take(self._fetch(self._since()))

    def _since(self) -> str | None:
        return None if self._newest is None else iso(self._newest - self._window)

    def _take(self, logs: Iterable[Log]) -> list[Log]:
        fresh = []
        for log in logs:
            log_id = str(log.get("id"))
            if log_id in self._seen:
                continue
            created = parse_iso(str(log.get("created_at")))
            self._seen[log_id] = created
            self._newest = created if self._newest is None else max(self._newest, created)
            fresh.append(log)
        if self._newest is not None:
            oldest = self._newest - self._window  # older logs are never fetched again
            self._seen = {key: at for key, at in self._seen.items() if at >= oldest}
        return sorted(fresh, key=lambda log: (str(log.get("created_at")), str(log.get("id"))))
