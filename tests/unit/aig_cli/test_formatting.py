from __future__ import annotations

import pytest

from aig_cli import formatting


@pytest.mark.parametrize(
    ("value", "shown"),
    [(None, "-"), (0, "$0"), (0.0000123, "$0.000012"), (0.5, "$0.5"), (1234.5, "$1,234.50")],
)
def test_cost(value: float | None, shown: str) -> None:
    assert formatting.cost(value) == shown


@pytest.mark.parametrize(("ms", "shown"), [(None, "-"), (850, "850 ms"), (12_345, "12.3 s")])
def test_duration(ms: int | None, shown: str) -> None:
    assert formatting.duration(ms) == shown


def test_unknown_usage_is_not_zero() -> None:
    assert formatting.tokens(None, None) == "-/-"
    assert formatting.tokens(1200, 0) == "1,200/0"


def test_log_row() -> None:
    log = {
        "created_at": "2025-01-02T03:04:05.678Z",
        "id": "01ABC",
        "provider": "openai",
        "model": "gpt-4o",
        "status_code": 500,
        "success": False,
        "tokens_in": 3,
        "tokens_out": None,
        "cost": None,
        "duration": 12,
        "cached": True,
        "feedback": -1,
    }
    row = formatting.log_row(log)
    assert row == [
        "2025-01-02 03:04:05",
        "01ABC",
        "openai",
        "gpt-4o",
        "500 !",
        "3/-",
        "-",
        "12 ms",
        "yes",
        "-1",
    ]
    assert len(row) == len(formatting.LOG_COLUMNS)
    assert formatting.log_line(log).startswith("2025-01-02 03:04:05  01ABC")


def test_feedback_zero_and_bools_are_blank() -> None:
    assert [formatting.feedback(v) for v in (1, 0, None, True)] == ["+1", "", "", ""]


@pytest.mark.parametrize(
    ("octets", "shown"),
    [
        (0, "0 B"),
        (1023, "1,023 B"),
        (12_800, "12.5 KiB"),
        (3 * 2**20, "3.0 MiB"),
        (2**50, "1,048,576.0 GiB"),
    ],
)
def test_size(octets: int, shown: str) -> None:
    assert formatting.size(octets) == shown


def test_count() -> None:
    assert [formatting.count(n, "file") for n in (0, 1, 1200)] == [
        "0 files",
        "1 file",
        "1,200 files",
    ]
