"""Datasets: a name, an `enable` flag and a saved log filter, checked and mapped onto the
log store's filters (chalicelib.logstore.filters), which answer them exactly."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from chalicelib.errors import BadRequest
from chalicelib.logstore import Filter, InvalidQuery, filter_parts, make_filter

MAX_NAME_LENGTH = 128
MAX_FILTERS = 20
MAX_VALUES = 20
MAX_VALUE_LENGTH = 256
MAX_KEY_LENGTH = 64
OPERATORS = ("eq", "neq", "contains", "lt", "gt")
"""The operators of the logs API's `filters` (Cloudflare's); lte/gte are the logs API's
flat parameters only."""
DATASET_FIELDS = ("name", "enable", "filters")


@dataclass(frozen=True)
class DatasetFilter:
    """One saved filter, as sent (its value a list) and as answered."""

    key: str
    operator: str
    value: tuple[Any, ...]

    def to_api(self) -> dict[str, Any]:
        """The SDK's dataset Filter."""
        return {"key": self.key, "operator": self.operator, "value": list(self.value)}


@dataclass(frozen=True)
class DatasetSpec:
    """What a client sets of a dataset (POST and PUT take all of it)."""

    name: str
    enable: bool
    filters: tuple[DatasetFilter, ...]


def parse_dataset(body: Any) -> DatasetSpec:
    """A dataset body `{name, enable, filters}`; BadRequest naming what is wrong, also for
    a filter the log store cannot answer (unknown key, operator not valid for its type,
    value of the wrong type)."""
    if not isinstance(body, dict):
        raise BadRequest("the request body must be a JSON object with name, enable and filters")
    unknown = sorted(set(body) - set(DATASET_FIELDS))
    if unknown:
        raise BadRequest(f"unknown field {unknown[0][:40]!r}; a dataset has name, enable, filters")
    missing = [name for name in DATASET_FIELDS if name not in body]
    if missing:
        raise BadRequest(f"missing field {missing[0]!r}; a dataset has name, enable, filters")
    enable = body["enable"]
    if not isinstance(enable, bool):
        raise BadRequest("enable must be true or false")
    filters = body["filters"]
    if not isinstance(filters, list):
        raise BadRequest("filters must be an array of {key, operator, value} objects")
    if len(filters) > MAX_FILTERS:
        raise BadRequest(f"a dataset has at most {MAX_FILTERS} filters")
    parsed = tuple(_filter(item, f"filters[{index}]") for index, item in enumerate(filters))
    return DatasetSpec(check_name(body["name"]), enable, parsed)


def check_name(name: Any) -> str:
    """A dataset's or evaluation's name: 1 to MAX_NAME_LENGTH characters."""
    if not isinstance(name, str) or not 1 <= len(name) <= MAX_NAME_LENGTH:
        raise BadRequest(f"name must be a string of 1 to {MAX_NAME_LENGTH} characters")
    return name


def search_filters(filters: Sequence[DatasetFilter]) -> tuple[Filter, ...]:
    """The log store's filters of a dataset's saved ones (checked when they were saved)."""
    return tuple(_store_filter(f.key, f.operator, f.value, "a saved filter") for f in filters)


def _filter(item: Any, where: str) -> DatasetFilter:
    try:
        key, operator, value = filter_parts(item, where)
    except InvalidQuery as exc:
        raise BadRequest(str(exc)) from None
    if len(key) > MAX_KEY_LENGTH:
        raise BadRequest(f"{where}: unknown filter key (longer than {MAX_KEY_LENGTH} characters)")
    if operator not in OPERATORS:
        raise BadRequest(
            f"{where}: unknown operator {operator[:40]!r}; use one of: {', '.join(OPERATORS)}"
        )
    values = tuple(value) if isinstance(value, list) else (value,)
    if len(values) > MAX_VALUES:
        raise BadRequest(f"{where}: a filter takes at most {MAX_VALUES} values")
    for entry in values:
        if isinstance(entry, dict | list):
            raise BadRequest(f"{where}: each value must be a string, number, boolean or null")
        if isinstance(entry, str) and len(entry) > MAX_VALUE_LENGTH:
            raise BadRequest(f"{where}: a value is longer than {MAX_VALUE_LENGTH} characters")
    _store_filter(key, operator, values, where)
    return DatasetFilter(key, operator, values)


def _store_filter(key: str, operator: str, values: Sequence[Any], where: str) -> Filter:
    try:
        return make_filter(key, operator, values)
    except InvalidQuery as exc:
        raise BadRequest(f"{where}: {exc}") from None
