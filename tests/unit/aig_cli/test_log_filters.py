from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from aig_cli.errors import UsageError
from aig_cli.log_filters import LogFilters

NOW = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)


def test_flat_filters_are_the_apis_parameters() -> None:
    filters = LogFilters(
        start="1h", model="gpt-4o", success=False, cached=True, feedback=-1, min_total_tokens=10
    )
    assert filters.params(NOW) == [
        ("start_date", "2025-03-10T11:00:00.000Z"),
        ("model", "gpt-4o"),
        ("success", "false"),
        ("cached", "true"),
        ("feedback", "-1"),
        ("min_total_tokens", "10"),
    ]


def test_other_keys_go_in_one_json_filters_parameter() -> None:
    filters = LogFilters(
        status_code=429,
        metadata_key="user",
        filter=("created_at:gt:2025-01-01T00:00:00Z", "model:contains:mini"),
        search="hello",
    )
    params = dict(filters.params(NOW))
    assert json.loads(params["filters"]) == [
        {"key": "status_code", "operator": "eq", "value": ["429"]},
        {"key": "metadata.key", "operator": "eq", "value": ["user"]},
        {"key": "created_at", "operator": "gt", "value": ["2025-01-01T00:00:00Z"]},
        {"key": "model", "operator": "contains", "value": ["mini"]},
    ]
    assert params["search"] == "hello"


def test_no_filters() -> None:
    assert LogFilters().params(NOW) == []
    assert not LogFilters().any()
    assert LogFilters(cached=False).any()


@pytest.mark.parametrize("text", ["model", "model:like:x", ":eq:x"])
def test_a_malformed_filter_is_a_usage_error(text: str) -> None:
    with pytest.raises(UsageError, match="KEY:OPERATOR:VALUE"):
        LogFilters(filter=(text,)).params(NOW)
