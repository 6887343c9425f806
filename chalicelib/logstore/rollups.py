"""Hourly rollups of the logs, so that analytics never scan logs.

One control-table item per (account, gateway, hour, provider, model) holds the sums of
its logs: pk `ROLLUP#{account}#{gateway}`, sk `{hour}#{provider}#{model}` with the hour
`YYYY-MM-DDTHH` (UTC) of the log's created_at and model "" when unknown. The sort key
orders a gateway's rollups by hour, so a time range is one Query.

`Rollups.actions` builds the updates in the low-level TransactItems format, for log
admission to commit them in the transaction that stores the logs: each log is rolled up
exactly once, and a batch costs one action per group, whatever its number of logs.
Gateway ids hold no `#`, so the pk of one gateway never is another's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from boto3.dynamodb.conditions import Key

from chalicelib import dynamo
from chalicelib.logstore.record import LogRecord
from chalicelib.timestamps import iso_utc

if TYPE_CHECKING:  # the boto3 type stubs are a development dependency only
    from mypy_boto3_dynamodb.service_resource import Table

GROUP_BYS = ("hour", "model", "provider", "hour,model", "hour,provider")
"""What `aggregate` can group by: one key, or the hour and then a model or provider."""

_COUNTERS = (
    "requests",
    "errors",
    "cached",
    "tokens_in",
    "tokens_out",
    "cost_nanos",
    "duration_sum",
    "tokens_known",
    "cost_known",
)
_LABELS = ("hour", "provider", "model")
_UPDATE = (
    "ADD "
    + ", ".join(f"#{name} :{name}" for name in _COUNTERS)
    + " SET "
    + ", ".join(f"#{name} = :{name}" for name in _LABELS)
)
_NAMES = {f"#{name}": name for name in (*_COUNTERS, *_LABELS)}  # `hour` is a reserved word
NANOS_PER_USD = 10**9
"""Costs are summed as integer nano-dollars: exact, and never in exponent notation."""
_HOUR_END = "$"
"""Sorts after the `#` that follows the hour in every sort key of that hour."""


@dataclass(frozen=True)
class RollupRow:
    """The sums of one (hour, provider, model) of a gateway."""

    hour: str
    provider: str
    model: str
    requests: int
    errors: int
    cached: int
    tokens_in: int
    tokens_out: int
    cost: Decimal
    duration_sum: int
    tokens_known: int
    cost_known: int


def rollup_pk(account_id: str, gateway_id: str) -> str:
    """Partition of the control table that holds a gateway's rollups."""
    return f"ROLLUP#{account_id}#{gateway_id}"


def hour_of(moment: datetime) -> str:
    """The `YYYY-MM-DDTHH` (UTC) of a moment (naive = UTC)."""
    return _utc(moment).strftime("%Y-%m-%dT%H")


class Rollups:
    """Builds and reads the rollup items of one deployment's control table."""

    def __init__(self, control_table: str) -> None:
        self.table = control_table

    def actions(self, records: Sequence[LogRecord], sign: int = 1) -> list[dict[str, Any]]:
        """TransactWriteItems Update actions adding `records` to their rollups (sign -1:
        taking them out again): one action per (account, gateway, hour, provider, model)
        group, whatever its number of logs."""
        groups: dict[tuple[str, str, str, str, str], dict[str, Any]] = {}
        for record in records:
            hour = hour_of(datetime.fromisoformat(record.created_at))
            model = record.model or ""
            group = (record.account_id, record.gateway_id, hour, record.provider, model)
            sums = groups.setdefault(group, _zero())
            _add(sums, record)
        return [
            self._update(group, {name: sign * value for name, value in sums.items()})
            for group, sums in sorted(groups.items())
        ]

    def read(
        self,
        dynamodb_table: Table,
        account_id: str,
        gateway_id: str,
        start: datetime,
        end: datetime,
    ) -> list[RollupRow]:
        """Rows of the hours overlapping [start, end) (naive = UTC), ordered by hour:
        one Query on the gateway's partition (boto3 Table resource), paginated."""
        first = hour_of(start)
        last = hour_of(_utc(end) - timedelta(microseconds=1))
        if first > last:
            return []
        condition = Key("pk").eq(rollup_pk(account_id, gateway_id)) & Key("sk").between(
            first, last + _HOUR_END
        )
        return [
            _row(item)
            for item in dynamo.items(dynamodb_table.query, **dynamo.key_condition(condition))
        ]

    def delete_all(self, dynamodb_table: Table, account_id: str, gateway_id: str) -> int:
        """Delete a gateway's rollups (when the gateway goes); return how many."""
        condition = Key("pk").eq(rollup_pk(account_id, gateway_id))
        found = dynamo.items(
            dynamodb_table.query, **dynamo.key_condition(condition), ProjectionExpression="pk, sk"
        )
        # The Table's client takes (and gives back) Python values, as the Table does.
        keys = ({"pk": item["pk"], "sk": item["sk"]} for item in found)
        client = dynamodb_table.meta.client
        return dynamo.delete_keys(client, dynamodb_table.name, keys, complete=True)

    def _update(
        self, group: tuple[str, str, str, str, str], sums: dict[str, Any]
    ) -> dict[str, Any]:
        account_id, gateway_id, hour, provider, model = group
        key = {"pk": rollup_pk(account_id, gateway_id), "sk": f"{hour}#{provider}#{model}"}
        values = {
            **{f":{name}": value for name, value in sums.items()},
            ":hour": hour,
            ":provider": provider,
            ":model": model,
        }
        action = dynamo.update(self.table, key, _UPDATE, values)
        action["Update"]["ExpressionAttributeNames"] = dict(_NAMES)
        return action


def aggregate(rows: Sequence[RollupRow], group_by: str) -> list[dict[str, Any]]:
    """Sum `rows` by one of GROUP_BYS into JSON-ready dicts, sorted by the keys: each key
    (an hour as its ISO-8601 UTC start; "hour,model" gives both `hour` and `model`), the
    sums (cost as float) and duration_avg (ms per request). Tokens and cost averages divide
    by tokens_known and cost_known."""
    if group_by not in GROUP_BYS:
        raise ValueError(f"group_by must be one of {' | '.join(GROUP_BYS)}")
    names = group_by.split(",")
    groups: dict[tuple[str, ...], dict[str, Any]] = {}
    for row in rows:
        sums = groups.setdefault(tuple(getattr(row, name) for name in names), _row_zero())
        for name in _ROW_SUMS:
            sums[name] += getattr(row, name)
    return [
        {
            **{
                name: _hour_start(key) if name == "hour" else key
                for name, key in zip(names, keys, strict=True)
            },
            **sums,
            "cost": float(sums["cost"]),
            "duration_avg": round(sums["duration_sum"] / sums["requests"], 3),
        }
        for keys, sums in sorted(groups.items())
    ]


_ROW_SUMS = tuple("cost" if name == "cost_nanos" else name for name in _COUNTERS)


def _row_zero() -> dict[str, Any]:
    return {name: Decimal(0) if name == "cost" else 0 for name in _ROW_SUMS}


def _zero() -> dict[str, Any]:
    return dict.fromkeys(_COUNTERS, 0)


def _add(sums: dict[str, Any], record: LogRecord) -> None:
    sums["requests"] += 1
    sums["errors"] += not record.success
    sums["cached"] += record.cached
    sums["tokens_in"] += record.tokens_in or 0
    sums["tokens_out"] += record.tokens_out or 0
    sums["tokens_known"] += record.tokens_in is not None or record.tokens_out is not None
    sums["duration_sum"] += record.duration
    if record.cost is not None:
        sums["cost_nanos"] += int((record.cost * NANOS_PER_USD).to_integral_value())
        sums["cost_known"] += 1


def _row(item: dict[str, Any]) -> RollupRow:
    counts = {name: int(item.get(name, 0)) for name in _COUNTERS if name != "cost_nanos"}
    return RollupRow(
        hour=item["hour"],
        provider=item["provider"],
        model=item["model"],
        cost=Decimal(int(item.get("cost_nanos", 0))) / NANOS_PER_USD,
        **counts,
    )


def _hour_start(hour: str) -> str:
    return iso_utc(datetime.strptime(hour, "%Y-%m-%dT%H").replace(tzinfo=UTC))


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
