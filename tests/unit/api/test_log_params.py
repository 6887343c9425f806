import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs

import pytest

from chalicelib.api.log_params import ORDER_KEYS, LogQuery, parse_log_query
from chalicelib.errors import BadRequest
from chalicelib.logstore.filters import EARLIEST, Filter

SDK_QUERY = (
    "filters.key=model&filters.key=cost&filters.key=success"
    "&filters.operator=eq&filters.operator=gt&filters.operator=eq"
    "&filters.value=gpt-4o&filters.value=gpt-4o-mini&filters.value=0.5&filters.value=false"
)
"""What `client.ai_gateway.logs.list(filters=[...])` sends for model/cost/success filters."""


def _parse(query: str) -> LogQuery:
    return parse_log_query(parse_qs(query, keep_blank_values=True))


def _rejected(params: dict[str, list[str]], message: str) -> None:
    with pytest.raises(BadRequest) as caught:
        parse_log_query(params)
    assert message in caught.value.message


# The SDK's flattened form


def test_exact_sdk_query_with_a_multi_value_filter_is_ambiguous() -> None:
    with pytest.raises(BadRequest) as caught:
        _parse(SDK_QUERY)
    message = caught.value.message
    assert "ambiguous" in message and "4 filters.value for 3 filters.key" in message
    assert "one value per filter" in message and "filters=" in message


def test_sdk_query_with_one_value_per_filter() -> None:
    query = SDK_QUERY.replace("&filters.value=gpt-4o-mini", "")
    assert _parse(query).filters == (
        Filter("model", "eq", ("gpt-4o",)),
        Filter("cost", "gt", (Decimal("0.5"),)),
        Filter("success", "eq", (False,)),
    )


def test_sdk_single_key_takes_every_value() -> None:
    params = {
        "filters.key": ["model"],
        "filters.operator": ["eq"],
        "filters.value": ["gpt-4o", "gpt-4o-mini"],
    }
    assert parse_log_query(params).filters == (Filter("model", "eq", ("gpt-4o", "gpt-4o-mini")),)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"filters.key": ["model", "cost"], "filters.operator": ["eq"], "filters.value": ["a"]},
            "2 filters.key but 1 filters.operator",
        ),
        ({"filters.value": ["a"]}, "filters.value given without filters.key"),
        ({"filters.key": ["model"], "filters.operator": ["eq"]}, "needs at least one value"),
        (
            {"filters.key": ["a", "b"], "filters.operator": ["eq", "eq"], "filters.value": ["1"]},
            "ambiguous",
        ),
        (
            {"filters.key": ["colour"], "filters.operator": ["eq"], "filters.value": ["red"]},
            "filters.key 'colour': unknown filter key 'colour'",
        ),
        (
            {"filters.key": ["cost"], "filters.operator": ["gte"], "filters.value": ["1"]},
            "unknown filter operator 'gte'; known: eq, neq, contains, lt, gt",
        ),
        (
            {"filters.key": ["cost"], "filters.operator": ["gt"], "filters.value": ["abc"]},
            "invalid value 'abc' for filter 'cost' gt: expected a number",
        ),
        ({"filters.keys": ["model"]}, "unknown parameter 'filters.keys'"),
        ({"filters[0][key]": ["model"]}, "unknown parameter 'filters[0][key]'"),
    ],
)
def test_bad_sdk_filters(params: dict[str, list[str]], message: str) -> None:
    _rejected(params, message)


# The JSON form


def test_json_filters() -> None:
    filters = [
        {"key": "model", "operator": "eq", "value": ["gpt-4o", "gpt-4o-mini"]},
        {"key": "cost", "operator": "gt", "value": [0.5]},
        {"key": "success", "operator": "eq", "value": [False]},
        {"key": "tokens_in", "operator": "eq", "value": None},
        {"key": "metadata.value", "operator": "eq", "value": 3},
    ]
    assert parse_log_query({"filters": [json.dumps(filters)]}).filters == (
        Filter("model", "eq", ("gpt-4o", "gpt-4o-mini")),
        Filter("cost", "gt", (Decimal("0.5"),)),
        Filter("success", "eq", (False,)),
        Filter("tokens_in", "eq", (None,)),
        Filter("metadata.value", "eq", ("3",)),
    )


def test_json_filters_from_a_query_string() -> None:
    query = "filters=" + json.dumps([{"key": "provider", "operator": "contains", "value": "open"}])
    assert _parse(query).filters == (Filter("provider", "contains", ("open",)),)


def test_empty_json_array_means_no_filters() -> None:
    assert parse_log_query({"filters": ["[]"]}) == LogQuery()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[{", "'filters' is not valid JSON"),
        ("", "'filters' is not valid JSON"),
        ("[" * 5_000 + "]" * 5_000, "'filters' is nested deeper than 64 levels"),
        (
            '[{"key": "cost", "operator": "gt", "value": NaN}]',
            "'filters' holds a non-finite number",
        ),
        ('[{"key": "cost", "operator": "gt", "value": ' + "9" * 5_000 + "}]", "digits"),
        ('{"key": "model"}', "'filters' must be a JSON array"),
        ('["model"]', "filters[0] must be an object"),
        ('[{"key": "model", "operator": "eq"}]', "filters[0] is missing value"),
        (
            '[{"key": "model", "operator": "eq", "values": ["a"]}]',
            "filters[0] has unknown fields ['values']",
        ),
        ('[{"key": 1, "operator": "eq", "value": "a"}]', "key and operator must be strings"),
        (
            '[{"key": "model", "operator": "eq", "value": "a"}, '
            '{"key": "cost", "operator": "contains", "value": "1"}]',
            "filters[1]: operator 'contains' is not valid for number key 'cost'",
        ),
        ('[{"key": "model", "operator": "eq", "value": []}]', "needs at least one value"),
        ('[{"key": "cost", "operator": "lt", "value": [true]}]', "expected a number"),
        ('[{"key": "nope", "operator": "eq", "value": "a"}]', "unknown filter key 'nope'"),
        ('[{"key": "cost", "operator": "lte", "value": 1}]', "unknown filter operator 'lte'"),
    ],
)
def test_bad_json_filters(text: str, message: str) -> None:
    _rejected({"filters": [text]}, message)


def test_both_forms_and_flat_params_combine() -> None:
    params = {
        "filters": ['[{"key": "provider", "operator": "neq", "value": ["anthropic"]}]'],
        "filters.key": ["model"],
        "filters.operator": ["contains"],
        "filters.value": ["gpt"],
        "success": ["true"],
    }
    assert parse_log_query(params).filters == (
        Filter("provider", "neq", ("anthropic",)),
        Filter("model", "contains", ("gpt",)),
        Filter("success", "eq", (True,)),
    )


def test_several_json_filter_params_combine() -> None:
    one = '[{"key": "model", "operator": "eq", "value": "a"}]'
    two = '[{"key": "cached", "operator": "eq", "value": true}]'
    assert parse_log_query({"filters": [one, two]}).filters == (
        Filter("model", "eq", ("a",)),
        Filter("cached", "eq", (True,)),
    )


# Flat parameters


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        (
            "start_date",
            "2026-01-02T03:04:05Z",
            Filter("created_at", "gte", (datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),)),
        ),
        (
            "end_date",
            "2026-01-02T05:04:05+02:00",
            Filter("created_at", "lte", (datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),)),
        ),
        ("model", "gpt-4o", Filter("model", "eq", ("gpt-4o",))),
        ("provider", "openai", Filter("provider", "eq", ("openai",))),
        ("model_type", "chat", Filter("model_type", "eq", ("chat",))),
        (
            "request_content_type",
            "application/json",
            Filter("request_content_type", "eq", ("application/json",)),
        ),
        (
            "response_content_type",
            "text/event-stream",
            Filter("response_content_type", "eq", ("text/event-stream",)),
        ),
        ("success", "true", Filter("success", "eq", (True,))),
        ("cached", "false", Filter("cached", "eq", (False,))),
        ("feedback", "-1", Filter("feedback", "eq", (Decimal(-1),))),
        ("min_cost", "0.01", Filter("cost", "gte", (Decimal("0.01"),))),
        ("max_cost", "2", Filter("cost", "lte", (Decimal(2),))),
        ("min_duration", "100", Filter("duration", "gte", (Decimal(100),))),
        ("max_duration", "900", Filter("duration", "lte", (Decimal(900),))),
        ("min_tokens_in", "1", Filter("tokens_in", "gte", (Decimal(1),))),
        ("max_tokens_in", "10", Filter("tokens_in", "lte", (Decimal(10),))),
        ("min_tokens_out", "2", Filter("tokens_out", "gte", (Decimal(2),))),
        ("max_tokens_out", "20", Filter("tokens_out", "lte", (Decimal(20),))),
        ("min_total_tokens", "3", Filter("tokens", "gte", (Decimal(3),))),
        ("max_total_tokens", "30", Filter("tokens", "lte", (Decimal(30),))),
    ],
)
def test_flat_filter_param(name: str, value: str, expected: Filter) -> None:
    assert parse_log_query({name: [value]}).filters == (expected,)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"success": ["yes"]}, "parameter 'success': invalid value 'yes'"),
        ({"min_cost": ["cheap"]}, "parameter 'min_cost': invalid value 'cheap'"),
        ({"feedback": ["good"]}, "parameter 'feedback'"),
        ({"start_date": ["yesterday"]}, "parameter 'start_date'"),
        ({"model": ["a", "b"]}, "parameter 'model' is given 2 times"),
        ({"min_cost": ["1", "1"]}, "parameter 'min_cost' is given 2 times"),
        ({"model": [""]}, "parameter 'model' is empty"),
        ({"search": [""]}, "parameter 'search' is empty"),
        ({"search": ["x" * 201]}, "longer than 200 characters"),
        ({"search": ["a", "b"]}, "parameter 'search' is given 2 times"),
        ({"order_by": ["colour"]}, "unknown order_by 'colour'; use one of: created_at, provider"),
        ({"order_by": ["cost", "model"]}, "parameter 'order_by' is given 2 times"),
        ({"direction": ["up"]}, "'direction' must be 'asc' or 'desc', not 'up'"),
        ({"order_by_direction": ["DESCENDING"]}, "'order_by_direction' must be 'asc' or 'desc'"),
        ({"direction": ["asc"], "order_by_direction": ["desc"]}, "disagree"),
    ],
)
def test_bad_flat_params(params: dict[str, list[str]], message: str) -> None:
    _rejected(params, message)


def test_search() -> None:
    assert parse_log_query({"search": ["Hello World"]}).search == "Hello World"
    assert parse_log_query({"search": ["x" * 200]}).search == "x" * 200


@pytest.mark.parametrize("key", ORDER_KEYS)
def test_every_order_key(key: str) -> None:
    assert parse_log_query({"order_by": [key]}).order_by == key


@pytest.mark.parametrize(
    ("params", "descending"),
    [
        ({}, True),
        ({"direction": ["asc"]}, False),
        ({"direction": ["desc"]}, True),
        ({"order_by_direction": ["asc"]}, False),
        ({"order_by_direction": ["desc"]}, True),
        ({"direction": ["asc"], "order_by_direction": ["asc"]}, False),
        ({"direction": ["desc"], "order_by_direction": ["desc"]}, True),
    ],
)
def test_direction(params: dict[str, list[str]], descending: bool) -> None:
    assert parse_log_query(params).descending is descending


def test_defaults_and_ignored_params() -> None:
    params: dict[str, Any] = {
        "page": ["2"],
        "per_page": ["50", "60"],
        "cursor": ["abc"],
        "meta_info": ["true"],
        "limit": ["5"],
        "utm_source": ["x", "y"],
    }
    assert parse_log_query(params) == LogQuery()
    assert parse_log_query({}) == LogQuery(
        filters=(), search=None, order_by="created_at", descending=True
    )


def test_full_query_string() -> None:
    query = SDK_QUERY.replace("&filters.value=gpt-4o-mini", "") + (
        "&min_total_tokens=10&search=hello&order_by=cost&order_by_direction=asc&page=1&per_page=5"
    )
    parsed = _parse(query)
    assert [f.key for f in parsed.filters] == ["model", "cost", "success", "tokens"]
    assert (parsed.search, parsed.order_by, parsed.descending) == ("hello", "cost", False)


LAST_MOMENT = datetime.max.replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("params", "moment"),
    [
        ({"start_date": ["0001-01-01"]}, EARLIEST),
        ({"start_date": ["0001-01-01T00:00:00+01:00"]}, EARLIEST),
        ({"end_date": ["9999-12-31T23:59:59-01:00"]}, LAST_MOMENT),
        ({"end_date": ["9999-12-31T23:59:59.999999"]}, LAST_MOMENT),
        (
            {"filters": ['[{"key": "created_at", "operator": "lt", "value": ["0001-01-01"]}]']},
            EARLIEST,
        ),
        (
            {
                "filters": [
                    '[{"key": "created_at", "operator": "gt",'
                    ' "value": ["9999-12-31T23:59:59-01:00"]}]'
                ]
            },
            LAST_MOMENT,
        ),
    ],
)
def test_dates_at_the_calendars_edges_are_clamped(
    params: dict[str, list[str]], moment: datetime
) -> None:
    """Before 1970 no log exists; past year 9999 in UTC no datetime exists: both clamp."""
    (created_at,) = parse_log_query(params).filters
    assert created_at.values == (moment,)
