"""The Cloudflare-compatible management API, free of any web framework.

Every method takes already-parsed path and query values and returns the envelope
(or raw body) to send; errors are raised as ApiError subclasses.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from chalicelib.accounts.gateway_fields import parse_settings
from chalicelib.accounts.models import Gateway, Plan
from chalicelib.accounts.store import AccountStore
from chalicelib.api.envelope import success
from chalicelib.api.errors import BadRequest, NotFound, Unauthorized
from chalicelib.logstore.bodies import S3BodyStore
from chalicelib.logstore.cursor import Cursor, InvalidCursor, decode_cursor, encode_cursor
from chalicelib.logstore.ids import is_log_id
from chalicelib.logstore.reader import LogReader
from chalicelib.logstore.record import LogRecord
from chalicelib.logstore.writer import LogWriter

DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100
MAX_PAGE_OFFSET = 10_000
"""Page-number pagination reads every skipped log; past this offset use `cursor`."""

DEFAULT_BUDGET_S = 20.0
"""Time a request may spend on bulk deletions (API Gateway cuts it at 29 s)."""

QueryGetter = Callable[[str], str | None]


@dataclass(frozen=True)
class RawBody:
    """A stored body returned as it was sent or received."""

    body: bytes
    content_type: str


class ManagementApi:
    """Gateways and logs of the account a bearer token belongs to."""

    def __init__(
        self,
        accounts: AccountStore,
        reader: LogReader,
        writer: LogWriter,
        bodies: S3BodyStore,
        cursor_secret: bytes,
        budget_s: float = DEFAULT_BUDGET_S,
    ) -> None:
        self._accounts = accounts
        self._reader = reader
        self._writer = writer
        self._bodies = bodies
        self._cursor_secret = cursor_secret
        self._budget_s = budget_s

    def authenticate(self, authorization: str | None, account_id: str) -> None:
        """Check the bearer token; a token of another account sees a 404, as if absent."""
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("missing bearer token: send Authorization: Bearer <API token>")
        owner = self._accounts.account_of_token(token.strip())
        if owner is None:
            raise Unauthorized("invalid API token")
        if owner != account_id:
            raise NotFound(f"account {account_id} not found")

    def list_gateways(self, account_id: str, query: QueryGetter) -> dict[str, Any]:
        """GET /accounts/{a}/ai-gateway/gateways (page, per_page, search by id)."""
        per_page = _int_param(query, "per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE)
        page = _int_param(query, "page", 1, 1, MAX_PAGE_OFFSET)
        search = (query("search") or "").lower()
        gateways = [g for g in self._accounts.list_gateways(account_id) if search in g.id.lower()]
        chunk = gateways[(page - 1) * per_page : page * per_page]
        info = {
            "page": page,
            "per_page": per_page,
            "count": len(chunk),
            "total_count": len(gateways),
        }
        return success([g.to_api() for g in chunk], info)

    def get_gateway(self, account_id: str, gateway_id: str) -> dict[str, Any]:
        """GET /accounts/{a}/ai-gateway/gateways/{g}."""
        return success(self._gateway(account_id, gateway_id).to_api())

    def create_gateway(self, account_id: str, body: Any) -> dict[str, Any]:
        """POST /accounts/{a}/ai-gateway/gateways."""
        gateway_id, settings = parse_settings(body, self._plan(account_id))
        return success(self._accounts.create_gateway(account_id, gateway_id, settings).to_api())

    def update_gateway(self, account_id: str, gateway_id: str, body: Any) -> dict[str, Any]:
        """PUT .../gateways/{g}; a log_management below the stored count applies the
        gateway's strategy at once (DELETE_OLDEST drops the oldest, STOP_INSERTING the
        newest, so that the first logs are the ones kept)."""
        _, settings = parse_settings(body, self._plan(account_id), path_id=gateway_id)
        _, after = self._accounts.update_gateway(account_id, gateway_id, settings)
        deadline = time.monotonic() + self._budget_s
        while after.stored_logs > after.log_limit:
            if time.monotonic() > deadline:
                break  # the next update (or admission's strategy) carries on
            self._writer.trim(
                account_id,
                gateway_id,
                after.shard_count,
                after.stored_logs - after.log_limit,
                newest=after.log_management_strategy != "DELETE_OLDEST",
            )
            after = self._gateway(account_id, gateway_id)
        return success(after.to_api())

    def delete_gateway(self, account_id: str, gateway_id: str) -> dict[str, Any]:
        """DELETE .../gateways/{g}: closes it, deletes its logs and bodies, frees its counts.

        Large gateways are purged in batches within the request's time budget; until the
        purge is done the gateway answers 404 to the proxy, and repeating the DELETE resumes
        it (the answer's `deleting` says whether it is still under way).
        """
        gateway = self._accounts.mark_deleting(account_id, gateway_id)
        deadline = time.monotonic() + self._budget_s
        done = self._writer.purge(account_id, gateway_id, gateway.shard_count, deadline)
        if done:
            self._accounts.remove_gateway(account_id, gateway_id)
        result = {**gateway.to_api(), "deleting": not done}
        return success(result)

    def list_logs(self, account_id: str, gateway_id: str, query: QueryGetter) -> dict[str, Any]:
        """GET .../gateways/{g}/logs: newest first, `cursor` or `page`, `per_page` <= 100."""
        gateway = self._gateway(account_id, gateway_id)
        per_page = _int_param(query, "per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE)
        scope = f"{account_id}/{gateway_id}/logs/desc"
        raw_cursor = query("cursor")
        before_id, skip, page = None, 0, None
        if raw_cursor:
            try:
                before_id = decode_cursor(raw_cursor, scope, self._cursor_secret).after_id
            except InvalidCursor as exc:
                raise BadRequest(f"invalid cursor: {exc}") from exc
        else:
            page = _int_param(query, "page", 1, 1, MAX_PAGE_OFFSET)
            skip = (page - 1) * per_page
            if skip > MAX_PAGE_OFFSET:
                raise BadRequest(
                    f"page offset over {MAX_PAGE_OFFSET} logs: follow result_info.cursor instead"
                )
        result = self._reader.newest_first(
            account_id, gateway_id, gateway.shard_count, per_page, before_id, skip
        )
        info: dict[str, Any] = {
            "count": len(result.records),
            "per_page": per_page,
            "cursor": None,
        }
        if page is not None:
            info["page"] = page
        if result.has_more and result.records:
            info["cursor"] = encode_cursor(
                Cursor(scope, result.records[-1].id), self._cursor_secret
            )
        return success([record.to_api() for record in result.records], info)

    def get_log(self, account_id: str, gateway_id: str, log_id: str) -> dict[str, Any]:
        """GET .../gateways/{g}/logs/{id}."""
        return success(self._log(account_id, gateway_id, log_id).to_api())

    def get_log_body(self, account_id: str, gateway_id: str, log_id: str, part: str) -> RawBody:
        """GET .../logs/{id}/request or /response: the body exactly as stored."""
        record = self._log(account_id, gateway_id, log_id)
        stored = self._bodies.get(record.body_key) if record.body_key else None
        if stored is None:
            raise NotFound(f"log {log_id} has no stored {part} body")
        if part == "request":
            return RawBody(stored.request, stored.request_content_type or "application/json")
        return RawBody(stored.response, stored.response_content_type or "application/json")

    def _gateway(self, account_id: str, gateway_id: str) -> Gateway:
        gateway = self._accounts.get_gateway(account_id, gateway_id)
        if gateway is None or gateway.deleting:
            raise NotFound(f"gateway {gateway_id} not found")
        return gateway

    def _plan(self, account_id: str) -> Plan:
        account = self._accounts.get_account(account_id)
        if account is None:
            raise NotFound(f"account {account_id} not found")
        return account.entitlements

    def _log(self, account_id: str, gateway_id: str, log_id: str) -> LogRecord:
        gateway = self._gateway(account_id, gateway_id)
        record = (
            self._reader.get(account_id, gateway_id, log_id, gateway.shard_count)
            if is_log_id(log_id)
            else None
        )
        if record is None:
            raise NotFound(f"log {log_id} not found")
        return record


def _int_param(query: QueryGetter, name: str, default: int, low: int, high: int) -> int:
    raw = query(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise BadRequest(f"{name} must be an integer, got {raw[:40]!r}") from exc
    if not low <= value <= high:
        raise BadRequest(f"{name} must be between {low} and {high}")
    return value
