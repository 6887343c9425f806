from __future__ import annotations

from datetime import timedelta
from typing import Any

from aig_cli.follow import Follower


def _log(log_id: str, second: int) -> dict[str, Any]:
    return {"id": log_id, "created_at": f"2025-01-01T00:00:{second:02d}.000Z"}


class Store:
    """Logs as the API lists them (newest first), and the starts asked for."""

    def __init__(self, *logs: dict[str, Any]) -> None:
        self.logs = list(logs)
        self.starts: list[str | None] = []

    def fetch(self, start: str | None) -> list[dict[str, Any]]:
        self.starts.append(start)
        newest_first = sorted(self.logs, key=lambda log: log["created_at"], reverse=True)
        if start is None:
            return newest_first[:2]  # the newest page
        return [log for log in newest_first if log["created_at"] > start]


def _ids(logs: list[dict[str, Any]]) -> list[str]:
    return [log["id"] for log in logs]


def test_each_log_is_handed_out_once_oldest_first() -> None:
    store = Store(_log("a", 1), _log("b", 2), _log("c", 3))
    follower = Follower(store.fetch, timedelta(seconds=30))
    assert _ids(follower.start()) == ["b", "c"]  # the newest page
    assert follower.poll() == []  # "a" was there before: not new
    store.logs += [_log("e", 5), _log("d", 4)]
    assert _ids(follower.poll()) == ["d", "e"]
    assert follower.poll() == []


def test_a_log_appearing_late_is_still_shown() -> None:
    store = Store(_log("a", 10))
    follower = Follower(store.fetch, timedelta(seconds=30))
    follower.start()
    store.logs.append(_log("b", 20))
    assert _ids(follower.poll()) == ["b"]
    store.logs.append(_log("slow-stream", 12))  # started before b, logged after it
    assert _ids(follower.poll()) == ["slow-stream"]
    assert store.starts[-1] == "2024-12-31T23:59:50.000Z"  # the window back from b


def test_an_empty_gateway_waits_for_its_first_log() -> None:
    store = Store()
    follower = Follower(store.fetch, timedelta(seconds=30))
    assert follower.start() == [] and follower.poll() == []
    assert store.starts == [None, None]
    store.logs.append(_log("a", 1))
    assert _ids(follower.poll()) == ["a"]
