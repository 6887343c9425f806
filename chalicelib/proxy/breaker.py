"""A circuit breaker: after a dependency fails, leave it alone for a while."""

from __future__ import annotations

import time
from collections.abc import Callable


class Breaker:
    """Says whether to call a dependency: not for `pause_s` after each failure."""

    def __init__(self, pause_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._pause_s = pause_s
        self._clock = clock
        self._closed_at = float("-inf")

    def allows(self) -> bool:
        """True unless the dependency failed less than `pause_s` ago."""
        return self._clock() >= self._closed_at

    def failed(self) -> None:
        """Record a failure: calls pause for `pause_s`."""
        self._closed_at = self._clock() + self._pause_s
