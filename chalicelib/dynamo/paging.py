"""Paginated Query and Scan: one loop over ExclusiveStartKey / LastEvaluatedKey."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

Page = Mapping[str, Any]
"""One answer of a Query or Scan (the boto3 stubs type them as TypedDicts)."""


def pages(
    call: Callable[..., Page],
    /,
    *,
    first: Page | None = None,
    limit: Callable[[], int] | None = None,
    **params: Any,
) -> Iterator[Page]:
    """The pages of `call(**params)` (a client's or a table's query or scan), each call
    starting where the page before ended, until a page has no LastEvaluatedKey.

    Pages are read lazily: stop iterating and no further call is made. `first` is the
    first page, already read with `params` (it is yielded, not read again). `limit` is
    asked before each call the generator makes for that call's Limit, after the caller
    has seen the page before; below 1 (a budget spent) ends the paging without a call.
    """
    page = first
    while True:
        if page is None:
            request = dict(params)
            if limit is not None:
                size = limit()
                if size < 1:
                    return
                request["Limit"] = size
            page = call(**request)
        yield page
        if "LastEvaluatedKey" not in page:
            return
        params["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        page = None


def items(call: Callable[..., Page], /, **params: Any) -> Iterator[dict[str, Any]]:
    """The items of every page of `call(**params)`, in order (read lazily, as `pages`)."""
    for page in pages(call, **params):
        yield from page["Items"]
