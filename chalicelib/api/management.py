"""The Cloudflare-compatible management API for gateways, free of any web framework.

Every method takes already-parsed path and query values and returns the envelope to
send; errors are raised as ApiError subclasses. Logs are in chalicelib.api.logs_api.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from chalicelib.accounts import AccountStore, Gateway, Plan, is_gateway_address, parse_settings
from chalicelib.edge import success
from chalicelib.errors import BadRequest, NotFound
from chalicelib.logstore import LogMaintenance

DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100
MAX_PAGE_OFFSET = 10_000
"""Page-number pagination reads every skipped item; past this offset use `cursor`."""

DEFAULT_BUDGET_S = 20.0
"""Time a request may spend on bulk deletions (API Gateway cuts it at 29 s)."""

logger = logging.getLogger(__name__)

Cleanup = Callable[[str, str], object]
"""Forgets something of a deleted gateway, given (account_id, gateway_id)."""

QueryParams = Mapping[str, Sequence[str]]
"""Each query parameter with all its values, in order."""


class ManagementApi:
    """The gateways of one account (the caller has authenticated the account)."""

    def __init__(
        self,
        accounts: AccountStore,
        maintenance: LogMaintenance,
        forget_rollups: Cleanup,
        budget_s: float = DEFAULT_BUDGET_S,
        cleanups: Sequence[Cleanup] = (),
        spend_usage: Callable[[Gateway], list[dict[str, Any]]] | None = None,
    ) -> None:
        """`forget_rollups(account_id, gateway_id)` deletes a deleted gateway's analytics;
        `cleanups` are best-effort, bounded deletions of its other state (response cache,
        rate-limit windows): a failure is logged and does not stop the deletion.
        `spend_usage(gateway)` is the usage against its spend limits, shown by GET."""
        self._accounts = accounts
        self._maintenance = maintenance
        self._forget_rollups = forget_rollups
        self._budget_s = budget_s
        self._cleanups = cleanups
        self._spend_usage = spend_usage

    def list_gateways(self, account_id: str, query: QueryParams) -> dict[str, Any]:
        """GET /accounts/{a}/ai-gateway/gateways (page, per_page, search by id)."""
        per_page = int_param(query, "per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE)
        page = int_param(query, "page", 1, 1, MAX_PAGE_OFFSET)
        search = last_param(query, "search").lower()
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
        """GET /accounts/{a}/ai-gateway/gateways/{g}; with spend limits, their usage in the
        read-only `spend_usage`."""
        gateway = self._gateway(account_id, gateway_id)
        result = gateway.to_api()
        if self._spend_usage is not None and gateway.spend_limits:
            result["spend_usage"] = self._spend_usage(gateway)
        return success(result)

    def create_gateway(self, account_id: str, body: Any) -> dict[str, Any]:
        """POST /accounts/{a}/ai-gateway/gateways."""
        gateway_id, settings = parse_settings(body, self._plan(account_id))
        return success(self._accounts.create_gateway(account_id, gateway_id, settings).to_api())

    def update_gateway(self, account_id: str, gateway_id: str, body: Any) -> dict[str, Any]:
        """PUT .../gateways/{g}; a log_management below the stored count applies the
        gateway's strategy at once (DELETE_OLDEST drops the oldest, STOP_INSERTING the
        newest, so that the first logs are the ones kept)."""
        _check_address(account_id, gateway_id)
        _, settings = parse_settings(body, self._plan(account_id), path_id=gateway_id)
        _, after = self._accounts.update_gateway(account_id, gateway_id, settings)
        deadline = time.monotonic() + self._budget_s
        while after.stored_logs > after.log_limit:
            if time.monotonic() > deadline:
                break  # the next update (or admission's strategy) carries on
            self._maintenance.trim(
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
        _check_address(account_id, gateway_id)
        gateway = self._accounts.mark_deleting(account_id, gateway_id)
        deadline = time.monotonic() + self._budget_s
        done = self._maintenance.purge(account_id, gateway_id, gateway.shard_count, deadline)
        if done:
            self._forget_rollups(account_id, gateway_id)
            for cleanup in self._cleanups:
                try:
                    cleanup(account_id, gateway_id)
                except Exception:
                    logger.exception(
                        "cleanup of deleted gateway %s/%s failed", account_id, gateway_id
                    )
            self._accounts.remove_gateway(account_id, gateway_id)
        result = {**gateway.to_api(), "deleting": not done}
        return success(result)

    def _gateway(self, account_id: str, gateway_id: str) -> Gateway:
        return open_gateway(self._accounts, account_id, gateway_id)

    def _plan(self, account_id: str) -> Plan:
        account = self._accounts.get_account(account_id)
        if account is None:
            raise NotFound(f"account {account_id} not found")
        return account.entitlements


def open_gateway(accounts: AccountStore, account_id: str, gateway_id: str) -> Gateway:
    """The gateway, or NotFound (also while it is being deleted)."""
    _check_address(account_id, gateway_id)
    gateway = accounts.get_gateway(account_id, gateway_id)
    if gateway is None or gateway.deleting:
        raise NotFound(f"gateway {gateway_id} not found")
    return gateway


def _check_address(account_id: str, gateway_id: str) -> None:
    """NotFound for a path no gateway can have (it would be refused as a DynamoDB key)."""
    if not is_gateway_address(account_id, gateway_id):
        raise NotFound("gateway not found")


def last_param(query: QueryParams, name: str) -> str:
    """The last value of a query parameter ("" when absent)."""
    values = query.get(name) or [""]
    return values[-1]


def bool_param(query: QueryParams, name: str) -> bool | None:
    """A boolean query parameter ("true" or "false"; None when absent); BadRequest naming it
    otherwise."""
    raw = last_param(query, name)
    if raw == "":
        return None
    if raw not in ("true", "false"):
        raise BadRequest(f"{name} must be true or false")
    return raw == "true"


def int_param(query: QueryParams, name: str, default: int, low: int, high: int) -> int:
    """An integer query parameter within [low, high]; BadRequest naming it otherwise."""
    raw = last_param(query, name)
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise BadRequest(f"{name} must be an integer, got {raw[:40]!r}") from exc
    if not low <= value <= high:
        raise BadRequest(f"{name} must be between {low} and {high}")
    return value
