"""Where finished log records go: the `LogSink` interface and its direct implementation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from chalicelib.logstore.bodies import StoredBodies
from chalicelib.logstore.record import LogRecord
from chalicelib.logstore.writer import LogPolicy, LogWriter, WriteOutcome


@dataclass
class LogEntry:
    """A finished record, its bodies (None when payload collection is off), its policy."""

    record: LogRecord
    bodies: StoredBodies | None
    policy: LogPolicy


class LogSink(Protocol):
    """Accepts finished log entries; implementations decide when they are stored."""

    def write(self, entry: LogEntry) -> WriteOutcome:
        """Store (or enqueue for storing) one log entry."""


class DirectLogSink:
    """Admits and stores each entry before returning (through the LogWriter)."""

    def __init__(self, writer: LogWriter) -> None:
        self._writer = writer

    def write(self, entry: LogEntry) -> WriteOutcome:
        """Store one log entry now."""
        return self._writer.store(entry.record, entry.bodies, entry.policy)
