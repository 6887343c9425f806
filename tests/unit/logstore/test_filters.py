from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.logstore.filters import (
    KEYS,
    OPERATORS,
    TYPE_OPERATORS,
    Filter,
    InvalidQuery,
    make_filter,
    matches,
    time_bounds,
)
from chalicelib.logstore.record import LogRecord


def _record(**overrides: Any) -> LogRecord:
    values: dict[str, Any] = {
        "id": "01JLOGID0000000000000000AB",
        "created_at": "2026-01-02T03:04:05.006Z",
        "account_id": "acme",
        "gateway_id": "main",
        "provider": "openai",
        "path": "chat/completions",
        "status_code": 200,
        "success": True,
        "duration": 120,
        "model": "gpt-4o-mini",
        "model_type": "chat",
        "tokens_in": 10,
        "tokens_out": 5,
        "cost": Decimal("0.0045"),
        "metadata": {"user": "Alice", "n": 3, "beta": True, "ratio": 0.5},
        "event_id": "evt-1",
        "feedback": 1,
        "request_content_type": "application/json",
        "response_content_type": "text/event-stream",
        "user_agent": "OpenAI/Python 1.2",
    }
    values.update(overrides)
    return LogRecord(**values)


RECORD = _record()
BARE = _record(
    model=None,
    model_type=None,
    tokens_in=None,
    tokens_out=None,
    cost=None,
    metadata={},
    event_id=None,
    feedback=None,
    request_content_type=None,
    response_content_type=None,
    user_agent=None,
)


def _hit(record: LogRecord, key: str, operator: str, *values: Any) -> bool:
    return matches(record, [make_filter(key, operator, list(values))])


# Every key x every operator its type allows

CASES = [
    # (key, operator, values, matches RECORD, matches BARE)
    ("id", "eq", ["01JLOGID0000000000000000AB"], True, True),
    ("id", "neq", ["01JLOGID0000000000000000AB"], False, False),
    ("id", "contains", ["logid"], True, True),
    ("created_at", "eq", ["2026-01-02T03:04:05.006Z"], True, True),
    ("created_at", "eq", ["2026-01-02T04:04:05.006+01:00"], True, True),
    ("created_at", "neq", ["2026-01-02T03:04:05.006"], False, False),
    ("created_at", "lt", ["2026-01-02T03:04:05.007Z"], True, True),
    ("created_at", "lt", ["2026-01-02T03:04:05.006Z"], False, False),
    ("created_at", "lte", ["2026-01-02T03:04:05.006Z"], True, True),
    ("created_at", "gt", ["2026-01-02T03:04:05.006Z"], False, False),
    ("created_at", "gte", ["2026-01-02T03:04:05.006Z"], True, True),
    ("created_at", "gt", ["2026-01-02"], True, True),
    ("request_content_type", "eq", ["application/json"], True, False),
    ("request_content_type", "neq", ["application/json"], False, True),
    ("request_content_type", "contains", ["JSON"], True, False),
    ("response_content_type", "eq", ["text/event-stream"], True, False),
    ("response_content_type", "neq", [None], True, False),
    ("response_content_type", "contains", ["stream"], True, False),
    ("request_type", "eq", ["provider"], True, True),
    ("request_type", "neq", ["universal"], True, True),
    ("request_type", "contains", ["VID"], True, True),
    ("success", "eq", ["true"], True, True),
    ("success", "eq", [False], False, False),
    ("success", "neq", ["FALSE"], True, True),
    ("cached", "eq", [False], True, True),
    ("cached", "neq", ["false"], False, False),
    ("provider", "eq", ["openai"], True, True),
    ("provider", "eq", ["OpenAI"], False, False),
    ("provider", "neq", ["anthropic"], True, True),
    ("provider", "contains", ["OPEN"], True, True),
    ("model", "eq", ["gpt-4o", "gpt-4o-mini"], True, False),
    ("model", "eq", [None], False, True),
    ("model", "eq", ["gpt-4o-mini", None], True, True),
    ("model", "neq", ["gpt-4o"], True, True),
    ("model", "neq", ["gpt-4o", None], True, False),
    ("model", "contains", ["4O-M"], True, False),
    ("model_type", "eq", ["chat"], True, False),
    ("model_type", "neq", ["chat"], False, True),
    ("model_type", "contains", ["ha"], True, False),
    ("cost", "eq", ["0.0045"], True, False),
    ("cost", "eq", [0.0045], True, False),
    ("cost", "neq", [0.0045], False, True),
    ("cost", "lt", ["0.005"], True, False),
    ("cost", "gt", [0.004], True, False),
    ("cost", "lte", ["0.0045"], True, False),
    ("cost", "gte", ["0.00451"], False, False),
    ("cost", "eq", [None], False, True),
    ("tokens", "eq", [15], True, False),
    ("tokens", "neq", ["15"], False, True),
    ("tokens", "lt", [16], True, False),
    ("tokens", "gt", ["15"], False, False),
    ("tokens", "lte", ["1.5e1"], True, False),
    ("tokens", "gte", [15], True, False),
    ("tokens_in", "eq", [10], True, False),
    ("tokens_in", "eq", [None], False, True),
    ("tokens_in", "neq", [None], True, False),
    ("tokens_in", "lt", [11], True, False),
    ("tokens_in", "gt", [9.5], True, False),
    ("tokens_in", "lte", [10], True, False),
    ("tokens_in", "gte", [11], False, False),
    ("tokens_out", "eq", ["5"], True, False),
    ("tokens_out", "neq", ["5"], False, True),
    ("tokens_out", "lt", [5], False, False),
    ("tokens_out", "gt", [4], True, False),
    ("tokens_out", "lte", [5], True, False),
    ("tokens_out", "gte", [5], True, False),
    ("duration", "eq", [120], True, True),
    ("duration", "neq", [120], False, False),
    ("duration", "lt", [120], False, False),
    ("duration", "gt", [100], True, True),
    ("duration", "lte", [120.0], True, True),
    ("duration", "gte", ["121"], False, False),
    ("feedback", "eq", [1], True, False),
    ("feedback", "eq", ["-1", "0"], False, False),
    ("feedback", "neq", [-1], True, True),
    ("feedback", "lt", [0], False, False),
    ("feedback", "gt", [0], True, False),
    ("feedback", "lte", [1], True, False),
    ("feedback", "gte", [-1], True, False),
    ("event_id", "eq", ["evt-1"], True, False),
    ("event_id", "neq", ["evt-1"], False, True),
    ("event_id", "contains", ["EVT"], True, False),
    ("metadata.key", "eq", ["user"], True, False),
    ("metadata.key", "eq", ["User"], False, False),
    ("metadata.key", "eq", [None], False, True),
    ("metadata.key", "neq", ["user"], False, True),
    ("metadata.key", "neq", ["plan"], True, True),
    ("metadata.key", "contains", ["BET"], True, False),
    ("metadata.value", "eq", ["alice"], True, False),
    ("metadata.value", "eq", [3], True, False),
    ("metadata.value", "eq", ["3"], True, False),
    ("metadata.value", "eq", [True], True, False),
    ("metadata.value", "eq", ["TRUE"], True, False),
    ("metadata.value", "eq", [0.5], True, False),
    ("metadata.value", "eq", ["bob"], False, False),
    ("metadata.value", "neq", ["bob"], True, True),
    ("metadata.value", "neq", ["ALICE"], False, True),
    ("metadata.value", "contains", ["lic"], True, False),
    ("status_code", "eq", [200], True, True),
    ("status_code", "neq", ["200"], False, False),
    ("status_code", "lt", [300], True, True),
    ("status_code", "gt", [399], False, False),
    ("status_code", "lte", [200], True, True),
    ("status_code", "gte", [500], False, False),
    ("user_agent", "eq", ["OpenAI/Python 1.2"], True, False),
    ("user_agent", "neq", ["curl"], True, True),
    ("user_agent", "contains", ["python"], True, False),
]


@pytest.mark.parametrize(("key", "operator", "values", "on_record", "on_bare"), CASES)
def test_key_operator(
    key: str, operator: str, values: list[Any], on_record: bool, on_bare: bool
) -> None:
    assert _hit(RECORD, key, operator, *values) is on_record
    assert _hit(BARE, key, operator, *values) is on_bare


def test_cases_cover_every_allowed_key_operator_pair() -> None:
    covered = {(key, operator) for key, operator, *_ in CASES}
    allowed = {(key, op) for key, kind in KEYS.items() for op in TYPE_OPERATORS[kind]}
    assert covered == allowed


def test_tokens_counts_a_missing_side_as_zero() -> None:
    only_in = _record(tokens_in=7, tokens_out=None)
    assert _hit(only_in, "tokens", "eq", 7)
    assert not _hit(only_in, "tokens", "eq", None)
    assert _hit(BARE, "tokens", "eq", None)
    assert not _hit(BARE, "tokens", "lt", 1_000)


def test_none_field_never_matches_ordering_or_contains() -> None:
    assert not _hit(BARE, "cost", "lt", 1)
    assert not _hit(BARE, "cost", "gte", 0)
    assert not _hit(BARE, "model", "contains", "")


def test_float_record_numbers_compare_exactly() -> None:
    record = _record(cost=0.1)  # a float sneaking in still compares by its decimal text
    assert _hit(record, "cost", "eq", "0.1")


def test_filters_are_anded() -> None:
    model = make_filter("model", "eq", ["gpt-4o-mini"])
    assert matches(RECORD, [model, make_filter("success", "eq", [True])])
    assert not matches(RECORD, [model, make_filter("success", "eq", [False])])
    assert matches(RECORD, [])


# Search


@pytest.mark.parametrize(
    "search", ["logid", "GPT-4O", "openAI", "completions", "EVT-1", "ratio", "alice", "true", "0.5"]
)
def test_search_hits(search: str) -> None:
    assert matches(RECORD, [], search)


def test_search_misses_and_skips_none_fields() -> None:
    assert not matches(RECORD, [], "anthropic")
    assert not matches(BARE, [], "evt")
    assert matches(RECORD, [], None)
    assert matches(RECORD, [], "")


def test_search_and_filters_combine() -> None:
    assert not matches(RECORD, [make_filter("success", "eq", [False])], "alice")


# Validation and coercion


@pytest.mark.parametrize(
    ("key", "operator", "values", "message"),
    [
        ("colour", "eq", ["red"], "unknown filter key 'colour'; known: id, created_at"),
        ("model", "like", ["gpt"], "unknown filter operator 'like'"),
        ("model", "lt", ["gpt"], "operator 'lt' is not valid for string key 'model'"),
        ("metadata.key", "gt", ["a"], "operator 'gt' is not valid for string key 'metadata.key'"),
        ("cost", "contains", ["1"], "operator 'contains' is not valid for number key 'cost'"),
        ("success", "gt", ["true"], "operator 'gt' is not valid for bool key 'success'"),
        ("success", "contains", ["t"], "not valid for bool key 'success'"),
        ("created_at", "contains", ["2026"], "not valid for datetime key 'created_at'"),
        ("model", "eq", [], "filter 'model' eq needs at least one value"),
        ("cost", "gt", [1, 2], "filter 'cost' gt takes exactly one value"),
        ("cost", "gt", ["abc"], "invalid value 'abc' for filter 'cost' gt: expected a number"),
        ("cost", "eq", [True], "invalid value True for filter 'cost' eq: expected a number"),
        ("cost", "eq", ["NaN"], "expected a finite number"),
        ("cost", "eq", [float("inf")], "expected a finite number"),
        ("tokens", "eq", [[1]], "expected a number"),
        ("success", "eq", ["yes"], "invalid value 'yes' for filter 'success' eq"),
        ("success", "eq", [1], "expected true or false"),
        ("success", "eq", [None], "filter 'success' eq does not accept null"),
        ("created_at", "gt", ["yesterday"], "expected an ISO-8601 date-time"),
        ("created_at", "gt", [1767225600], "expected an ISO-8601 date-time string"),
        ("created_at", "eq", [None], "does not accept null"),
        ("cost", "lt", [None], "filter 'cost' lt does not accept null"),
        ("model", "contains", [None], "filter 'model' contains does not accept null"),
        ("model", "eq", [4], "invalid value 4 for filter 'model' eq: expected a string"),
        ("metadata.value", "eq", [{"a": 1}], "expected a string, number or boolean"),
    ],
)
def test_rejected(key: str, operator: str, values: list[Any], message: str) -> None:
    with pytest.raises(InvalidQuery) as caught:
        make_filter(key, operator, values)
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("key", "raw", "typed"),
    [
        ("cost", "0.5", Decimal("0.5")),
        ("cost", 0.5, Decimal("0.5")),
        ("cost", 2, Decimal(2)),
        ("cost", " 1e-3 ", Decimal("0.001")),
        ("feedback", "-1", Decimal(-1)),
        ("success", "true", True),
        ("success", "False", False),
        ("cached", True, True),
        ("model", "gpt-4o", "gpt-4o"),
        ("model", None, None),
        ("tokens_in", None, None),
        ("metadata.value", True, "true"),
        ("metadata.value", 3.0, "3"),
        ("metadata.value", 2.5, "2.5"),
        ("metadata.value", "Alice", "Alice"),
        ("created_at", "2026-01-02T03:04:05Z", datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)),
        ("created_at", "2026-01-02T03:04:05", datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)),
        ("created_at", "2026-01-02T05:04:05+02:00", datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)),
        ("created_at", datetime(2026, 1, 2, 3, 4, 5), datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)),
    ],
)
def test_value_coercion(key: str, raw: Any, typed: Any) -> None:
    value = make_filter(key, "eq", [raw]).values[0]
    assert value == typed and type(value) is type(typed)
    if isinstance(typed, datetime):
        assert value.utcoffset() == timedelta(0)


def test_make_filter_returns_a_tuple_of_values() -> None:
    assert make_filter("model", "eq", ["a", "b"]) == Filter("model", "eq", ("a", "b"))


def test_every_operator_is_allowed_for_some_type() -> None:
    assert set(OPERATORS) == {op for ops in TYPE_OPERATORS.values() for op in ops}


# time_bounds


def _at(hour: int) -> datetime:
    return datetime(2026, 1, 2, hour, tzinfo=UTC)


def _created(operator: str, *hours: int) -> Filter:
    return make_filter("created_at", operator, [_at(h).isoformat() for h in hours])


def test_time_bounds_none_without_created_at_filters() -> None:
    assert time_bounds([]) == (None, None)
    assert time_bounds([make_filter("model", "eq", ["x"])]) == (None, None)
    assert time_bounds([_created("neq", 3)]) == (None, None)


def test_time_bounds_takes_the_tightest() -> None:
    filters = [_created("gt", 1), _created("gte", 3), _created("lt", 9), _created("lte", 7)]
    assert time_bounds(filters) == (_at(3), _at(7))


def test_time_bounds_of_eq() -> None:
    assert time_bounds([_created("eq", 5)]) == (_at(5), _at(5))
    assert time_bounds([_created("eq", 4, 8)]) == (_at(4), _at(8))
    assert time_bounds([_created("eq", 4, 8), _created("gte", 6)]) == (_at(6), _at(8))


def test_time_bounds_in_other_offsets_are_utc() -> None:
    plus_two = timezone(timedelta(hours=2))
    bound = make_filter("created_at", "gte", [datetime(2026, 1, 2, 5, tzinfo=plus_two).isoformat()])
    assert time_bounds([bound]) == (_at(3), None)


def test_matches_still_enforces_strict_bounds() -> None:
    at = datetime(2026, 1, 2, 3, 4, 5, 6000, tzinfo=UTC)
    strict = make_filter("created_at", "gt", [at.isoformat()])
    assert time_bounds([strict]) == (at, None)
    assert not matches(RECORD, [strict])


# Properties: values OR, filters AND, neq = not eq

TEXT = st.sampled_from(["", "a", "A", "ab", "gpt-4o", "GPT", "x y", "1", "true"])
OPT_TEXT = st.none() | TEXT
SMALL = st.none() | st.integers(-3, 30)
METADATA = st.dictionaries(
    TEXT, TEXT | st.integers(-2, 2) | st.booleans() | st.sampled_from([0.5, 1.0])
)
DATES = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2026, 1, 3), timezones=st.just(UTC)
)


@st.composite
def records(draw: st.DrawFn) -> LogRecord:
    return _record(
        id=draw(TEXT),
        created_at=draw(DATES).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        provider=draw(TEXT),
        request_type=draw(TEXT),
        status_code=draw(st.sampled_from([200, 400, 500])),
        success=draw(st.booleans()),
        cached=draw(st.booleans()),
        duration=draw(st.integers(0, 30)),
        model=draw(OPT_TEXT),
        model_type=draw(OPT_TEXT),
        tokens_in=draw(SMALL),
        tokens_out=draw(SMALL),
        cost=draw(st.none() | st.decimals("-1", "1", places=2)),
        metadata=draw(METADATA),
        event_id=draw(OPT_TEXT),
        feedback=draw(st.none() | st.sampled_from([-1, 0, 1])),
        request_content_type=draw(OPT_TEXT),
        response_content_type=draw(OPT_TEXT),
        user_agent=draw(OPT_TEXT),
    )


def _raw_values(kind: str, key: str, nullable: bool) -> st.SearchStrategy[Any]:
    if kind == "bool":
        return st.booleans() | st.sampled_from(["true", "false"])
    if kind == "datetime":
        return DATES.map(lambda d: d.isoformat())
    if kind == "number":
        plain = st.integers(-3, 30) | st.sampled_from(["0.5", 1.5, "-0.25", "15"])
        return st.none() | plain if nullable else plain
    if key == "metadata.value":
        plain = TEXT | st.integers(-2, 2) | st.booleans() | st.just(0.5)
        return st.none() | plain if nullable else plain
    return OPT_TEXT if nullable else TEXT


@st.composite
def filter_specs(draw: st.DrawFn) -> tuple[str, str, list[Any]]:
    key = draw(st.sampled_from(sorted(KEYS)))
    operator = draw(st.sampled_from(TYPE_OPERATORS[KEYS[key]]))
    nullable = operator in ("eq", "neq")
    size = 1 if operator in ("lt", "gt", "lte", "gte") else draw(st.integers(1, 3))
    values = draw(st.lists(_raw_values(KEYS[key], key, nullable), min_size=size, max_size=size))
    return key, operator, values


@settings(max_examples=400)
@given(records(), filter_specs())
def test_several_values_are_ored_and_neq_is_not_eq(
    record: LogRecord, spec: tuple[str, str, list[Any]]
) -> None:
    key, operator, values = spec
    whole = _hit(record, key, operator, *values)
    if operator == "neq":
        assert whole is not _hit(record, key, "eq", *values)
        assert whole is all(_hit(record, key, "neq", v) for v in values)
    else:
        assert whole is any(_hit(record, key, operator, v) for v in values)


@settings(max_examples=400)
@given(records(), filter_specs(), filter_specs())
def test_several_filters_are_anded(
    record: LogRecord, first: tuple[str, str, list[Any]], second: tuple[str, str, list[Any]]
) -> None:
    one, two = make_filter(*first), make_filter(*second)
    assert matches(record, [one, two]) is (matches(record, [one]) and matches(record, [two]))
