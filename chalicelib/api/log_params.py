"""The query string of `GET .../logs` turned into a LogQuery (filters, search, order).

Filters come in three forms, all ANDed together: a JSON array in `filters=`, the
flattened `filters.key` / `filters.operator` / `filters.value` lists the Cloudflare SDK
sends, and flat parameters such as `model=` or `min_cost=`. Any problem is a BadRequest.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from chalicelib.errors import BadRequest
from chalicelib.logstore import FILTER_FIELDS, Filter, InvalidQuery, filter_parts, make_filter
from chalicelib.validation import InvalidInput, load_json

ORDER_KEYS = (
    "created_at",
    "provider",
    "model",
    "model_type",
    "success",
    "cached",
    "cost",
    "duration",
    "tokens_in",
    "tokens_out",
)
FILTER_OPERATORS = ("eq", "neq", "contains", "lt", "gt")
"""Operators of the `filters` forms (Cloudflare's); lte/gte come only from min_/max_."""

MAX_SEARCH_LENGTH = 200
DIRECTION_PARAMS = ("order_by_direction", "direction")

FLAT_FILTERS: dict[str, tuple[str, str]] = {
    "start_date": ("created_at", "gte"),
    "end_date": ("created_at", "lte"),
    "model": ("model", "eq"),
    "provider": ("provider", "eq"),
    "model_type": ("model_type", "eq"),
    "request_content_type": ("request_content_type", "eq"),
    "response_content_type": ("response_content_type", "eq"),
    "success": ("success", "eq"),
    "cached": ("cached", "eq"),
    "feedback": ("feedback", "eq"),
    "min_cost": ("cost", "gte"),
    "max_cost": ("cost", "lte"),
    "min_duration": ("duration", "gte"),
    "max_duration": ("duration", "lte"),
    "min_tokens_in": ("tokens_in", "gte"),
    "max_tokens_in": ("tokens_in", "lte"),
    "min_tokens_out": ("tokens_out", "gte"),
    "max_tokens_out": ("tokens_out", "lte"),
    "min_total_tokens": ("tokens", "gte"),
    "max_total_tokens": ("tokens", "lte"),
}
"""Flat parameter -> (filter key, operator), one value each."""


@dataclass(frozen=True)
class LogQuery:
    """What to list: filters (ANDed), a free-text search and the order."""

    filters: tuple[Filter, ...] = ()
    search: str | None = None
    order_by: str = "created_at"
    descending: bool = True


def parse_log_query(params: Mapping[str, Sequence[str]]) -> LogQuery:
    """Parse the query parameters (name -> all its values, in order) of the logs API."""
    _reject_unknown_filter_params(params)
    filters = (
        *_json_filters(params.get("filters", ())),
        *_sdk_filters(params),
        *_flat_filters(params),
    )
    return LogQuery(
        filters=filters,
        search=_search(params),
        order_by=_order_by(params),
        descending=_descending(params),
    )


def _reject_unknown_filter_params(params: Mapping[str, Sequence[str]]) -> None:
    """Filters in a form we don't read must fail loudly, never be ignored."""
    known = {"filters", *(f"filters.{field}" for field in FILTER_FIELDS)}
    for name in params:
        if name.startswith("filters") and name not in known:
            raise BadRequest(
                f"unknown parameter '{name}'; filters go in 'filters' (a JSON array) "
                "or in 'filters.key', 'filters.operator' and 'filters.value'"
            )


def _json_filters(texts: Sequence[str]) -> list[Filter]:
    """Filters of each `filters=<JSON array>` parameter."""
    return [
        _json_filter(item, f"filters[{index}]")
        for text in texts
        for index, item in enumerate(_json_array(text))
    ]


def _json_array(text: str) -> list[Any]:
    try:
        parsed = load_json(text)
    except InvalidInput as exc:
        raise BadRequest(f"'filters' {exc}") from None
    if not isinstance(parsed, list):
        raise BadRequest("'filters' must be a JSON array of {key, operator, value} objects")
    return parsed


def _json_filter(item: Any, where: str) -> Filter:
    try:
        key, operator, value = filter_parts(item, where)
    except InvalidQuery as exc:
        raise BadRequest(str(exc)) from None
    values = value if isinstance(value, list) else [value]
    return _public_filter(key, operator, values, where)


def _sdk_filters(params: Mapping[str, Sequence[str]]) -> list[Filter]:
    """Filters of the SDK's flattened lists: keys and operators zipped, values spread."""
    keys = list(params.get("filters.key", ()))
    operators = list(params.get("filters.operator", ()))
    values = list(params.get("filters.value", ()))
    if len(keys) != len(operators):
        raise BadRequest(
            f"got {len(keys)} filters.key but {len(operators)} filters.operator; "
            "give one operator per key"
        )
    if not keys:
        if values:
            raise BadRequest("filters.value given without filters.key")
        return []
    if len(keys) == 1:
        groups = [values]
    elif len(values) == len(keys):
        groups = [[value] for value in values]
    else:
        raise BadRequest(
            f"the flattened filters are ambiguous: {len(values)} filters.value for "
            f"{len(keys)} filters.key; send one value per filter or use the JSON "
            "'filters=' form"
        )
    return [
        _public_filter(key, operator, group, f"filters.key '{key}'")
        for key, operator, group in zip(keys, operators, groups, strict=True)
    ]


def _public_filter(key: str, operator: str, values: Sequence[Any], where: str) -> Filter:
    if operator not in FILTER_OPERATORS:
        raise BadRequest(
            f"{where}: unknown filter operator '{operator}'; known: {', '.join(FILTER_OPERATORS)}"
        )
    return _filter(key, operator, values, where)


def _filter(key: str, operator: str, values: Sequence[Any], where: str) -> Filter:
    try:
        return make_filter(key, operator, values)
    except InvalidQuery as exc:
        raise BadRequest(f"{where}: {exc}") from None


def _flat_filters(params: Mapping[str, Sequence[str]]) -> list[Filter]:
    filters = []
    for name, (key, operator) in FLAT_FILTERS.items():
        value = _single(params, name)
        if value is not None:
            filters.append(_filter(key, operator, [value], f"parameter '{name}'"))
    return filters


def _search(params: Mapping[str, Sequence[str]]) -> str | None:
    search = _single(params, "search")
    if search is not None and len(search) > MAX_SEARCH_LENGTH:
        raise BadRequest(f"'search' is longer than {MAX_SEARCH_LENGTH} characters")
    return search


def _order_by(params: Mapping[str, Sequence[str]]) -> str:
    order_by = _single(params, "order_by")
    if order_by is None:
        return LogQuery.order_by
    if order_by not in ORDER_KEYS:
        raise BadRequest(f"unknown order_by '{order_by}'; use one of: {', '.join(ORDER_KEYS)}")
    return order_by


def _descending(params: Mapping[str, Sequence[str]]) -> bool:
    """The order's direction; `order_by_direction` and `direction` may both be given (the
    Cloudflare SDK sends both) as long as they agree."""
    directions = set()
    for name in DIRECTION_PARAMS:
        direction = _single(params, name)
        if direction is None:
            continue
        if direction not in ("asc", "desc"):
            raise BadRequest(f"'{name}' must be 'asc' or 'desc', not {direction[:40]!r}")
        directions.add(direction)
    if len(directions) > 1:
        raise BadRequest("'order_by_direction' and 'direction' disagree; give one of them")
    return directions.pop() == "desc" if directions else LogQuery.descending


def _single(params: Mapping[str, Sequence[str]], name: str) -> str | None:
    """The one non-empty value of a flat parameter, or None when it is absent."""
    values = params.get(name, ())
    if len(values) > 1:
        raise BadRequest(f"parameter '{name}' is given {len(values)} times; give it once")
    if values and values[0] == "":
        raise BadRequest(f"parameter '{name}' is empty")
    return values[0] if values else None
