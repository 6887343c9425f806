"""Windows of a limit: which counter item a moment falls in, and which of its bins count.

- fixed: clock-aligned windows [k*W, (k+1)*W) of W seconds (W = 86400 is a UTC day); one
  counter item per window, one bin;
- month: UTC calendar months, one counter item per month, one bin;
- sliding (rolling W seconds): one counter item, its charges in BINS bins of
  ceil(W / BINS) seconds; the bins that overlap (now - W, now] count, so the window counted
  is never shorter than W (at most one bin longer): a rolling limit is never exceeded.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime

BINS = 24
"""Bins of a sliding window (few enough that its counter item stays under 1 KB)."""
FIXED, MONTH, SLIDING = "fixed", "month", "sliding"


@dataclass(frozen=True)
class Window:
    """A window kind and its length in seconds (a month's is nominal, 30 days)."""

    kind: str
    seconds: int

    @property
    def bin_s(self) -> int:
        """Seconds per bin (sliding), else the window's length."""
        return max(1, math.ceil(self.seconds / BINS)) if self.kind == SLIDING else self.seconds

    def tag(self, now: float) -> str:
        """The part of the counter's sort key naming the item `now` falls in."""
        if self.kind == SLIDING:
            return "S"
        return f"W{self.start(now):012d}"

    def start(self, now: float) -> int:
        """Epoch seconds at which the window holding `now` started (sliding: the oldest
        counted bin's start, at most one bin before now - W)."""
        if self.kind == MONTH:
            moment = datetime.fromtimestamp(now, UTC)
            return int(datetime(moment.year, moment.month, 1, tzinfo=UTC).timestamp())
        if self.kind == SLIDING:  # the start of the oldest bin counted
            return self.oldest_bin(now) * self.bin_s
        return (math.floor(now) // self.seconds) * self.seconds

    def end(self, now: float) -> int:
        """Epoch seconds at which the charges counted at `now` stop counting, the earliest
        of them for a sliding window (its oldest bin's end)."""
        if self.kind == MONTH:
            moment = datetime.fromtimestamp(now, UTC)
            year, month = (
                (moment.year + 1, 1) if moment.month == 12 else (moment.year, moment.month + 1)
            )
            return int(datetime(year, month, 1, tzinfo=UTC).timestamp())
        if self.kind == SLIDING:
            return (self.oldest_bin(now) + 1) * self.bin_s + self.seconds
        return self.start(now) + self.seconds

    def bin(self, now: float) -> int:
        """Index of the bin a charge made at `now` goes to."""
        if self.kind == SLIDING:
            return math.floor(now) // self.bin_s
        return self.start(now)

    def oldest_bin(self, now: float) -> int:
        """The oldest bin still counted at `now`."""
        if self.kind == SLIDING:
            return (math.floor(now) - self.seconds) // self.bin_s
        return self.start(now)

    def expires(self, now: float) -> int:
        """When a counter item written at `now` stops mattering (epoch seconds)."""
        if self.kind == SLIDING:
            return math.ceil(now) + self.seconds + self.bin_s
        return self.end(now)
