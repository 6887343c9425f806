"""The fake's test controls: the request journal, ``x-fake-fail-times`` counters, stream
gates (``x-fake-gate``) and how a stream is paced (``StreamControls``)."""

from __future__ import annotations

import base64
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

JOURNAL_PATH = "/_fake/requests"

GATES_PATH = "/_fake/gates/"

GATE_TIMEOUT_MS = 60_000


class Journal:
    """Thread-safe record of received requests."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[dict[str, Any]] = []

    def record(self, method: str, target: str, headers: Mapping[str, str], raw: bytes) -> None:
        """Append a request (body stored as base64)."""
        entry = {
            "method": method,
            "path": target,
            "headers": dict(headers),
            "body": base64.b64encode(raw).decode(),
        }
        with self._lock:
            self._entries.append(entry)

    def entries(self) -> list[dict[str, Any]]:
        """All requests, oldest first."""
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        """Forget every request."""
        with self._lock:
            self._entries.clear()


class FailureCounter:
    """Thread-safe count of requests per ``x-fake-key``, for ``x-fake-fail-times``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: dict[str, int] = {}

    def forced_failure(self, headers: Mapping[str, str]) -> dict[str, str]:
        """``headers``, with ``x-fake-status`` set when this request is to fail."""
        times = headers.get("x-fake-fail-times", "")
        if not times.isdigit():
            return dict(headers)
        key = headers.get("x-fake-key", "")
        with self._lock:
            seen = self._seen[key] = self._seen.get(key, 0) + 1
        if seen > int(times):
            return dict(headers)
        return {**headers, "x-fake-status": headers.get("x-fake-fail-status", "500")}


@dataclass
class Gate:
    """Where a gated stream stands (``x-fake-gate``); opened once, never shut again."""

    opened: threading.Event = field(default_factory=threading.Event)
    waiting: bool = False
    sent: int = 0
    outcome: str | None = None

    def state(self) -> dict[str, Any]:
        """The gate as ``GET /_fake/gates/NAME`` shows it."""
        return {
            "waiting": self.waiting,
            "released": self.opened.is_set(),
            "sent": self.sent,
            "outcome": self.outcome,
        }


class Gates:
    """Thread-safe gates by name, made when first named (by a stream or by the test)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._gates: dict[str, Gate] = {}

    def get(self, name: str) -> Gate:
        """The gate called ``name``."""
        with self._lock:
            return self._gates.setdefault(name, Gate())


@dataclass(frozen=True)
class StreamControls:
    """How to send an event stream (the ``x-fake-*`` streaming headers)."""

    chunked: bool = False
    pace_s: float = 0.0
    gate: str | None = None
    gate_after: int = 1
    gate_timeout_s: float = GATE_TIMEOUT_MS / 1000

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> StreamControls:
        """The controls of a request (lower-case header names)."""

        def number(name: str, default: int) -> int:
            raw = headers.get(name, "")
            return int(raw) if raw.isdigit() else default

        gate = headers.get("x-fake-gate") or None
        pace_ms = number("x-fake-pace-ms", 0)
        chunked = (
            headers.get("x-fake-chunked") == "1"
            or "x-fake-stream-bytes" in headers
            or gate is not None
            or pace_ms > 0
        )
        return cls(
            chunked=chunked,
            pace_s=pace_ms / 1000,
            gate=gate,
            gate_after=number("x-fake-gate-after", 1),
            gate_timeout_s=number("x-fake-gate-timeout-ms", GATE_TIMEOUT_MS) / 1000,
        )
