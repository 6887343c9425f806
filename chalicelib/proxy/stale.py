"""Remembered answers that outlive an outage of their source for a bounded time.

An answer is fresh for `ttl_s`; the first read after that asks the source again. When the
source fails with an AWS or connection error, the last answer is served stale-if-error
for up to `stale_s` more seconds (RFC 5861's meaning), and meanwhile the source is asked
again at most once per retry period (`ttl_s`, at least MIN_RETRY_S), so an outage costs a
timeout to one request per period, not to each. Past that window, or with no answer
known, `SourceUnavailable` is raised.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

from botocore.exceptions import BotoCoreError, ClientError

SOURCE_ERRORS = (BotoCoreError, ClientError)
"""What a failing AWS source raises: connection errors, timeouts, throttling, 5xx."""

MIN_RETRY_S = 1.0
"""While serving stale answers, the source is asked at most once per this (or `ttl_s`)."""

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

logger = logging.getLogger(__name__)


class SourceUnavailable(Exception):  # noqa: N818 - a state of the source, not a bug
    """The source failed and no answer young enough to serve is remembered."""


@dataclass
class _Entry(Generic[V]):
    value: V
    fetched_at: float
    ask_at: float


class StaleIfError(Generic[K, V]):
    """Answers per key, fresh for `ttl_s`, served up to `stale_s` longer while the source
    fails; `clock` returns monotonic seconds."""

    def __init__(
        self, ttl_s: float, stale_s: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._ttl_s = ttl_s
        self._stale_s = stale_s
        self._retry_s = max(ttl_s, MIN_RETRY_S)
        self._clock = clock
        self._entries: dict[K, _Entry[V]] = {}

    def get(self, key: K, load: Callable[[], V]) -> V:
        """The answer for `key`: remembered while fresh, else `load()`ed, else stale.

        Raises SourceUnavailable when `load` fails and no answer can be served.
        """
        now = self._clock()
        entry = self._entries.get(key)
        if entry is not None and now < entry.ask_at:
            return entry.value
        try:
            value = load()
        except SOURCE_ERRORS as exc:
            expires_at = entry.fetched_at + self._ttl_s + self._stale_s if entry else now
            if entry is None or now >= expires_at:
                raise SourceUnavailable(str(exc)) from exc
            entry.ask_at = min(now + self._retry_s, expires_at)
            age = now - entry.fetched_at
            logger.warning("source failed (%s); serving an answer %.1f s old", exc, age)
            return entry.value
        self._entries[key] = _Entry(value, now, now + self._ttl_s)
        return value

    def forget(self, key: K) -> None:
        """Drop the answer for `key` (the next read asks the source)."""
        self._entries.pop(key, None)
