"""Analytics of a gateway, answered from its hourly rollups (never a scan of its logs)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from chalicelib.accounts import AccountStore
from chalicelib.api.management import QueryParams, last_param, open_gateway
from chalicelib.edge import success
from chalicelib.errors import BadRequest
from chalicelib.logstore import GROUP_BYS, Rollups, aggregate
from chalicelib.timestamps import iso_utc

if TYPE_CHECKING:  # the boto3 type stubs are a development dependency only
    from mypy_boto3_dynamodb.service_resource import Table

DEFAULT_SPAN = timedelta(hours=24)
MAX_SPAN = timedelta(days=366)
YEARS = (1970, 9998)
"""Bounds of start and end: arithmetic on them cannot overflow, hours sort as strings."""


class AnalyticsApi:
    """Analytics of one account's gateways (the caller has authenticated the account)."""

    def __init__(self, accounts: AccountStore, rollups: Rollups, control_table: Table) -> None:
        self._accounts = accounts
        self._rollups = rollups
        self._control_table = control_table

    def analytics(self, account_id: str, gateway_id: str, params: QueryParams) -> dict[str, Any]:
        """GET .../gateways/{g}/analytics?start=&end=&group_by=hour|model|provider.

        start and end are ISO-8601 (naive = UTC; default: the last 24 hours); the rows are
        the sums of the hours that overlap [start, end); group_by may also be "hour,model"
        or "hour,provider" (one row per hour and model or provider).
        """
        open_gateway(self._accounts, account_id, gateway_id)
        group_by = last_param(params, "group_by") or "hour"
        if group_by not in GROUP_BYS:
            raise BadRequest(f"group_by must be one of {' | '.join(GROUP_BYS)}")
        end = _moment(params, "end") or datetime.now(UTC)
        start = _moment(params, "start") or end - DEFAULT_SPAN
        if start >= end:
            raise BadRequest("start must be before end")
        if end - start > MAX_SPAN:
            raise BadRequest(f"start and end must be at most {MAX_SPAN.days} days apart")
        rows = self._rollups.read(self._control_table, account_id, gateway_id, start, end)
        result = aggregate(rows, group_by)
        info = {
            "start": iso_utc(start),
            "end": iso_utc(end),
            "group_by": group_by,
            "count": len(result),
        }
        return success(result, info)


def _moment(params: QueryParams, name: str) -> datetime | None:
    """An ISO-8601 date-time parameter in UTC (naive = UTC), None when absent."""
    raw = last_param(params, name)
    if raw == "":
        return None
    try:
        moment = datetime.fromisoformat(raw)
        moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except (ValueError, OverflowError) as exc:
        raise BadRequest(f"{name} must be an ISO-8601 date-time, got {raw[:40]!r}") from exc
    if not YEARS[0] <= moment.year <= YEARS[1]:
        raise BadRequest(f"{name} must be between the years {YEARS[0]} and {YEARS[1]}")
    return moment
