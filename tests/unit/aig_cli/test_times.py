from __future__ import annotations

from datetime import UTC, datetime

import pytest

from aig_cli.errors import UsageError
from aig_cli.times import iso, moment, parse_iso

NOW = datetime(2025, 3, 10, 12, 0, 0, 123456, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("15m", "2025-03-10T11:45:00.123Z"),
        ("2h", "2025-03-10T10:00:00.123Z"),
        ("1w", "2025-03-03T12:00:00.123Z"),
        ("2025-01-01", "2025-01-01T00:00:00.000Z"),
        ("2025-01-01T10:00:00+02:00", "2025-01-01T08:00:00.000Z"),
    ],
)
def test_moments(text: str, expected: str) -> None:
    assert moment(text, NOW, "--start") == expected


@pytest.mark.parametrize("text", ["yesterday", "5 minutes", "999999w"])
def test_bad_moments_name_the_option(text: str) -> None:
    with pytest.raises(UsageError, match="--end"):
        moment(text, NOW, "--end")


def test_iso_round_trip() -> None:
    assert parse_iso(iso(NOW)) == NOW.replace(microsecond=123000)
