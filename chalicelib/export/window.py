"""Export windows: whole UTC hours, the unit an export writes (one object per hour)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

HOUR = timedelta(hours=1)


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def floor_hour(moment: datetime) -> datetime:
    """The start of the UTC hour that holds `moment` (naive = UTC)."""
    return _utc(moment).replace(minute=0, second=0, microsecond=0)


@dataclass(frozen=True)
class Window:
    """The hours from `start` to `end` (excluded), both on whole UTC hours."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        start, end = _utc(self.start), _utc(self.end)
        if floor_hour(start) != start or floor_hour(end) != end:
            raise ValueError("an export window starts and ends on whole UTC hours")
        if start >= end:
            raise ValueError("an export window ends after it starts")
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "end", end)

    @classmethod
    def covering(cls, start: datetime, end: datetime) -> Window:
        """The smallest window that holds [start, end) (naive = UTC)."""
        first = floor_hour(start)
        last = floor_hour(end)
        return cls(first, last if last == _utc(end) and last > first else last + HOUR)

    def hours(self) -> Iterator[Window]:
        """Each hour of the window, as a window of its own, oldest first."""
        moment = self.start
        while moment < self.end:
            yield Window(moment, moment + HOUR)
            moment += HOUR

    def holds(self, moment: datetime) -> bool:
        """True when `moment` (naive = UTC) falls in the window."""
        return self.start <= _utc(moment) < self.end


def last_complete_hour(now: datetime, lag: timedelta) -> Window:
    """The latest hour that ended at least `lag` before `now` (its logs have arrived)."""
    end = floor_hour(now - lag)
    return Window(end - HOUR, end)
