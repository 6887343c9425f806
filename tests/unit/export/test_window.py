"""Export windows: whole UTC hours."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from chalicelib.export.window import Window, last_complete_hour

T = datetime(2026, 6, 1, 10, tzinfo=UTC)
H = timedelta(hours=1)


def test_a_window_is_its_hours_oldest_first() -> None:
    window = Window(T, T + 3 * H)
    assert [hour.start for hour in window.hours()] == [T, T + H, T + 2 * H]
    assert all(hour.end - hour.start == H for hour in window.hours())
    assert window.holds(T) and window.holds(T + 3 * H - timedelta(milliseconds=1))
    assert not window.holds(T + 3 * H) and not window.holds(T - timedelta(microseconds=1))


def test_naive_and_other_offsets_are_read_as_the_same_utc_hours() -> None:
    paris = timezone(timedelta(hours=2))
    window = Window(datetime(2026, 6, 1, 12, tzinfo=paris), datetime(2026, 6, 1, 11))
    assert (window.start, window.end) == (T, T + H)


@pytest.mark.parametrize(
    ("start", "end"),
    [(T + timedelta(minutes=5), T + H), (T, T + timedelta(seconds=1)), (T + H, T), (T, T)],
)
def test_a_window_is_whole_hours_and_not_empty(start: datetime, end: datetime) -> None:
    with pytest.raises(ValueError, match="export window"):
        Window(start, end)


def test_covering_rounds_out_to_whole_hours() -> None:
    assert Window.covering(T + timedelta(minutes=5), T + H + timedelta(seconds=1)) == Window(
        T, T + 2 * H
    )
    assert Window.covering(T, T + H) == Window(T, T + H)
    assert Window.covering(T, T) == Window(T, T + H)


def test_the_last_complete_hour_waits_for_the_lag() -> None:
    lag = timedelta(minutes=15)
    assert last_complete_hour(T + H + timedelta(minutes=20), lag) == Window(T, T + H)
    assert last_complete_hour(T + H + timedelta(minutes=10), lag) == Window(T - H, T)
