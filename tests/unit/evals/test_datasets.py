"""Dataset bodies: checked, and their filters mapped onto the log store's exactly as the
logs API maps the same `filters`."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.api.log_params import FILTER_OPERATORS, parse_log_query
from chalicelib.errors import BadRequest
from chalicelib.evals.datasets import (
    MAX_FILTERS,
    MAX_NAME_LENGTH,
    MAX_VALUE_LENGTH,
    MAX_VALUES,
    OPERATORS,
    DatasetFilter,
    parse_dataset,
    search_filters,
)

SDK_FILTERS: list[dict[str, Any]] = [
    {"key": "created_at", "operator": "gt", "value": ["2026-01-01T00:00:00Z"]},
    {"key": "request_content_type", "operator": "contains", "value": ["json"]},
    {"key": "response_content_type", "operator": "eq", "value": ["application/json"]},
    {"key": "success", "operator": "eq", "value": [True]},
    {"key": "cached", "operator": "eq", "value": [False]},
    {"key": "provider", "operator": "eq", "value": ["openai", "anthropic"]},
    {"key": "model", "operator": "contains", "value": ["gpt"]},
    {"key": "cost", "operator": "lt", "value": [0.5]},
    {"key": "tokens", "operator": "gt", "value": [10]},
    {"key": "tokens_in", "operator": "gt", "value": [1]},
    {"key": "tokens_out", "operator": "lt", "value": [1000]},
    {"key": "duration", "operator": "lt", "value": [2500]},
    {"key": "feedback", "operator": "eq", "value": [1]},
    {"key": "metadata.value", "operator": "eq", "value": ["u1", 3, True]},
]


def _body(**changes: Any) -> dict[str, Any]:
    return {"name": "good answers", "enable": True, "filters": SDK_FILTERS[:3], **changes}


def test_every_key_the_sdk_sends_maps_as_the_logs_api_maps_it() -> None:
    spec = parse_dataset(_body(filters=SDK_FILTERS))
    assert [f.to_api() for f in spec.filters] == SDK_FILTERS
    logs_api = parse_log_query({"filters": [json.dumps(SDK_FILTERS)]}).filters
    assert search_filters(spec.filters) == logs_api


def test_operators_are_the_logs_apis() -> None:
    assert OPERATORS == FILTER_OPERATORS


def test_a_scalar_value_is_kept_as_a_list() -> None:
    spec = parse_dataset(_body(filters=[{"key": "model", "operator": "eq", "value": "gpt-4o"}]))
    assert spec.filters == (DatasetFilter("model", "eq", ("gpt-4o",)),)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ([], "must be a JSON object"),
        (_body(extra=1), "unknown field 'extra'"),
        ({"name": "x", "enable": True}, "missing field 'filters'"),
        (_body(enable="yes"), "enable must be true or false"),
        (_body(name=""), "name must be a string of 1 to"),
        (_body(name="n" * (MAX_NAME_LENGTH + 1)), "name must be a string of 1 to"),
        (_body(filters={"key": "model"}), "filters must be an array"),
        (_body(filters=["model"]), "filters[0] must be an object"),
        (_body(filters=[{"key": "model", "operator": "eq"}]), "filters[0] is missing value"),
        (_body(filters=[{"key": "model", "operator": "eq", "value": [], "x": 1}]), "unknown"),
        (_body(filters=[{"key": "colour", "operator": "eq", "value": ["x"]}]), "colour"),
        (_body(filters=[{"key": "k" * 65, "operator": "eq", "value": ["x"]}]), "unknown filter"),
        (_body(filters=[{"key": "model", "operator": "like", "value": ["x"]}]), "'like'"),
        (_body(filters=[{"key": "model", "operator": "lte", "value": ["x"]}]), "'lte'"),
        (_body(filters=[{"key": "model", "operator": "eq", "value": []}]), "at least one"),
        (_body(filters=[{"key": "cost", "operator": "contains", "value": [1]}]), "contains"),
        (_body(filters=[{"key": "model", "operator": "gt", "value": ["a"]}]), "'gt'"),
        (_body(filters=[{"key": "cost", "operator": "gt", "value": [1, 2]}]), "exactly one"),
        (_body(filters=[{"key": "cost", "operator": "gt", "value": ["cheap"]}]), "invalid value"),
        (_body(filters=[{"key": "success", "operator": "eq", "value": ["maybe"]}]), "true or"),
        (_body(filters=[{"key": "created_at", "operator": "gt", "value": ["soon"]}]), "ISO"),
        (_body(filters=[{"key": "model", "operator": "eq", "value": [{"a": 1}]}]), "string, num"),
        (_body(filters=[{"key": "success", "operator": "eq", "value": [None]}]), "null"),
        (
            _body(filters=[{"key": "model", "operator": "eq", "value": ["x" * 257]}]),
            f"longer than {MAX_VALUE_LENGTH}",
        ),
        (
            _body(filters=[{"key": "model", "operator": "eq", "value": ["x"] * 21}]),
            f"at most {MAX_VALUES} values",
        ),
        (
            _body(filters=[SDK_FILTERS[0]] * (MAX_FILTERS + 1)),
            f"at most {MAX_FILTERS} filters",
        ),
    ],
)
def test_what_the_log_store_cannot_answer_is_a_400(body: Any, message: str) -> None:
    with pytest.raises(BadRequest) as refused:
        parse_dataset(body)
    assert message in refused.value.message
