"""The Cloudflare-compatible logs API: list, get, bodies, edit and delete by filter."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from typing import Any

from chalicelib.accounts import AccountStore, Gateway
from chalicelib.api.log_params import LogQuery, parse_log_query
from chalicelib.api.management import (
    DEFAULT_BUDGET_S,
    DEFAULT_PER_PAGE,
    MAX_PAGE_OFFSET,
    MAX_PER_PAGE,
    QueryParams,
    int_param,
    last_param,
    open_gateway,
)
from chalicelib.edge import MAX_METADATA_ENTRIES, check_metadata, success
from chalicelib.errors import BadRequest, NotFound
from chalicelib.logstore import (
    BOOL,
    KEYS,
    NUMBER,
    STRING,
    Cursor,
    InvalidCursor,
    LogMaintenance,
    LogReader,
    LogRecord,
    LogSearch,
    LogSearcher,
    Position,
    S3BodyStore,
    StoredLog,
    TooManyToSort,
    decode_cursor,
    encode_cursor,
    is_log_id,
    record_json,
)
from chalicelib.validation import InvalidInput, storable_number

DELETE_BATCH = 100


@dataclass(frozen=True)
class RawBody:
    """A stored body returned as it was sent or received."""

    body: bytes
    content_type: str


class LogsApi:
    """Logs of one account's gateways (the caller has authenticated the account)."""

    def __init__(
        self,
        accounts: AccountStore,
        reader: LogReader,
        searcher: LogSearcher,
        maintenance: LogMaintenance,
        bodies: S3BodyStore,
        cursor_secret: bytes,
        budget_s: float = DEFAULT_BUDGET_S,
    ) -> None:
        self._accounts = accounts
        self._reader = reader
        self._searcher = searcher
        self._maintenance = maintenance
        self._bodies = bodies
        self._cursor_secret = cursor_secret
        self._budget_s = budget_s

    def list_logs(self, account_id: str, gateway_id: str, params: QueryParams) -> dict[str, Any]:
        """GET .../gateways/{g}/logs: filters, search, order; `cursor` or `page`/`per_page`.

        `result_info.cursor` continues the same query (a page cut short by its read budget
        may hold fewer than per_page logs but still has a cursor); total_count is given
        when it costs nothing: unfiltered (the stored counter) or a sorted set.
        """
        gateway = open_gateway(self._accounts, account_id, gateway_id)
        query = parse_log_query(params)
        search = _search(account_id, gateway_id, gateway.shard_count, query)
        per_page = int_param(params, "per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE)
        scope = _scope(account_id, gateway_id, query)
        raw_cursor = last_param(params, "cursor")
        after, skip, page_number = None, 0, None
        if raw_cursor:
            after = self._position(raw_cursor, scope, query.order_by)
        else:
            page_number = int_param(params, "page", 1, 1, MAX_PAGE_OFFSET)
            skip = (page_number - 1) * per_page
            if skip > MAX_PAGE_OFFSET:
                raise BadRequest(
                    f"page offset over {MAX_PAGE_OFFSET:,} logs: follow result_info.cursor"
                )
        try:
            page = self._searcher.page(search, per_page, after, skip)
        except TooManyToSort as exc:
            raise BadRequest(str(exc)) from exc
        info: dict[str, Any] = {"count": len(page.records), "per_page": per_page, "cursor": None}
        if page_number is not None:
            info["page"] = page_number
        if page.next_position is not None:
            position = page.next_position
            info["cursor"] = encode_cursor(
                Cursor(scope, position.log_id, position.value), self._cursor_secret
            )
        if not query.filters and not query.search:
            info["total_count"] = gateway.stored_logs
        elif page.total is not None:
            info["total_count"] = page.total
        return success([record_json(record) for record in page.records], info)

    def delete_logs(self, account_id: str, gateway_id: str, params: QueryParams) -> dict[str, Any]:
        """DELETE .../gateways/{g}/logs: the logs matching the filters, in order, up to
        `limit`; items, bodies and counts go together. Works in batches until the time
        budget; `complete` false means repeat the request to go on."""
        gateway = open_gateway(self._accounts, account_id, gateway_id)
        query = parse_log_query(params)
        limit = int_param(params, "limit", 0, 1, 10**9) or None
        search = _search(account_id, gateway_id, gateway.shard_count, query)
        deadline = time.monotonic() + self._budget_s
        if query.order_by == "created_at":
            deleted, complete = self._delete_in_time_order(search, limit, deadline)
        else:
            deleted, complete = self._delete_sorted(search, limit, deadline)
        return success({"success": True, "deleted": deleted, "complete": complete})

    def get_log(self, account_id: str, gateway_id: str, log_id: str) -> dict[str, Any]:
        """GET .../gateways/{g}/logs/{id}."""
        return success(record_json(self._log(account_id, gateway_id, log_id)))

    def edit_log(self, account_id: str, gateway_id: str, log_id: str, body: Any) -> dict[str, Any]:
        """PATCH .../logs/{id}: feedback (-1, 0, 1), score (0..100), metadata (merged)."""
        if not isinstance(body, dict):
            raise BadRequest("the request body must be a JSON object")
        unknown = set(body) - {"feedback", "score", "metadata"}
        if unknown:
            raise BadRequest(
                f"unsupported field {sorted(unknown)[0]!r}; use feedback, score, metadata"
            )
        feedback = _feedback(body.get("feedback"))
        score = _score(body.get("score"))
        metadata = body.get("metadata")
        if metadata is not None:  # [], 0, "" or false are not metadata: 400, not ignored
            metadata = check_metadata(metadata, "metadata")
        gateway, record = self._gateway_and_log(account_id, gateway_id, log_id)
        try:
            edited = self._maintenance.annotate(
                StoredLog.of(record, gateway.shard_count),
                feedback=feedback,
                score=score,
                metadata=metadata,
                max_metadata=MAX_METADATA_ENTRIES,
            )
        except ValueError as exc:
            raise BadRequest(str(exc)) from exc
        if edited is None:
            raise NotFound(f"log {log_id} not found")
        return success(record_json(edited))

    def get_body(self, account_id: str, gateway_id: str, log_id: str, part: str) -> RawBody:
        """GET .../logs/{id}/request or /response: the body exactly as stored."""
        record = self._log(account_id, gateway_id, log_id)
        stored = (
            self._bodies.get(record.body_key, record.body_offset, record.body_length)
            if record.body_key
            else None
        )
        if stored is None:
            raise NotFound(f"log {log_id} has no stored {part} body")
        if part == "request":
            return RawBody(stored.request, stored.request_content_type or "application/json")
        return RawBody(stored.response, stored.response_content_type or "application/json")

    def _delete_in_time_order(
        self, search: LogSearch, limit: int | None, deadline: float
    ) -> tuple[int, bool]:
        deleted = 0
        after: Position | None = None
        while time.monotonic() < deadline:
            want = DELETE_BATCH if limit is None else min(DELETE_BATCH, limit - deleted)
            if want == 0:
                return deleted, True
            page = self._searcher.page(search, want, after)
            logs = [StoredLog.of(record, search.shard_count) for record in page.records]
            deleted += self._maintenance.delete(search.account_id, search.gateway_id, logs)
            if page.next_position is None:
                return deleted, True
            after = page.next_position
        return deleted, False

    def _delete_sorted(
        self, search: LogSearch, limit: int | None, deadline: float
    ) -> tuple[int, bool]:
        try:
            page = self._searcher.page(search, limit or 10**9)
        except TooManyToSort as exc:
            raise BadRequest(str(exc)) from exc
        deleted = 0
        records = page.records
        for start in range(0, len(records), DELETE_BATCH):
            if time.monotonic() >= deadline:
                return deleted, False
            chunk = records[start : start + DELETE_BATCH]
            logs = [StoredLog.of(record, search.shard_count) for record in chunk]
            deleted += self._maintenance.delete(search.account_id, search.gateway_id, logs)
        return deleted, True

    def _position(self, raw_cursor: str, scope: str, order_by: str) -> Position:
        try:
            cursor = decode_cursor(raw_cursor, scope, self._cursor_secret)
        except InvalidCursor as exc:
            raise BadRequest(f"invalid cursor: {exc}") from exc
        if not _fits_order(cursor.after_value, order_by):
            raise BadRequest(f"invalid cursor: its position is not one of order_by {order_by}")
        return Position(cursor.after_id, cursor.after_value)

    def _log(self, account_id: str, gateway_id: str, log_id: str) -> LogRecord:
        return self._gateway_and_log(account_id, gateway_id, log_id)[1]

    def _gateway_and_log(
        self, account_id: str, gateway_id: str, log_id: str
    ) -> tuple[Gateway, LogRecord]:
        gateway = open_gateway(self._accounts, account_id, gateway_id)
        record = (
            self._reader.get(account_id, gateway_id, log_id, gateway.shard_count)
            if is_log_id(log_id)
            else None
        )
        if record is None:
            raise NotFound(f"log {log_id} not found")
        return gateway, record


def _search(account_id: str, gateway_id: str, shard_count: int, query: LogQuery) -> LogSearch:
    return LogSearch(
        account_id=account_id,
        gateway_id=gateway_id,
        shard_count=shard_count,
        filters=query.filters,
        search=query.search,
        order_by=query.order_by,
        descending=query.descending,
    )


def _scope(account_id: str, gateway_id: str, query: LogQuery) -> str:
    """What a cursor belongs to: one gateway and one query (filters, search, order)."""
    fingerprint = hashlib.sha256(repr(query).encode()).hexdigest()[:16]
    return f"{account_id}/{gateway_id}/{fingerprint}"


def _fits_order(value: Any, order_by: str) -> bool:
    """True when `value` can be a position in the order of `order_by` (None: unknown)."""
    if value is None:
        return True
    kind = KEYS.get(order_by)
    if kind == BOOL:
        return isinstance(value, bool)
    if kind == NUMBER:
        return isinstance(value, int | float) and not isinstance(value, bool)
    return kind == STRING and isinstance(value, str)


def _feedback(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value not in (-1, 0, 1):
        raise BadRequest("feedback must be -1, 0 or 1")
    return int(value)


def _score(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 100:
        raise BadRequest("score must be a number from 0 to 100")
    try:
        storable_number(value)
    except InvalidInput as exc:
        raise BadRequest(f"score {exc}") from None
    return value
