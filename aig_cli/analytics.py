"""`aig analytics`: a gateway's request, token and cost sums from its hourly rollups."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any

import typer

from aig_cli import formatting, output
from aig_cli.client import ApiClient
from aig_cli.options import Json, connection
from aig_cli.settings import Settings
from aig_cli.times import moment

COLUMNS = ("requests", "errors", "cached", "tokens in", "tokens out", "cost", "avg duration")


class GroupBy(StrEnum):
    """What the API sums by."""

    hour = "hour"
    model = "model"
    provider = "provider"
    hour_model = "hour,model"
    hour_provider = "hour,provider"


def register(app: typer.Typer) -> None:
    """Add the `analytics` command to `app`."""
    app.command("analytics")(analytics)


@connection(gateway=True)
def analytics(
    settings: Settings,
    group_by: Annotated[
        GroupBy,
        typer.Option(help="One row per hour, model, provider, or hour and model or provider."),
    ] = (GroupBy.hour),
    start: Annotated[
        str | None, typer.Option(help="From: ISO-8601 or 15m, 2h, 7d ago (default 24h).")
    ] = None,
    end: Annotated[str | None, typer.Option(help="Until: ISO-8601 or a span ago (now).")] = None,
    json_out: Json = False,
) -> None:
    """Requests, errors, tokens and cost of a gateway over a time range (hourly rollups)."""
    now = datetime.now(UTC)
    params = [("group_by", group_by.value)]
    params += [("start", moment(start, now, "--start"))] if start else []
    params += [("end", moment(end, now, "--end"))] if end else []
    with ApiClient(settings) as api:
        answer = api.call("GET", api.gateway_path("analytics"), params)
    if json_out:
        output.print_json(answer.result)
        return
    title = f"{settings.gateway}: {answer.info.get('start')} to {answer.info.get('end')}"
    keys = group_by.value.split(",")
    rows = [analytics_row(row, keys) for row in answer.result]
    output.out().print(output.table((*keys, *COLUMNS), rows, title=title))


def analytics_row(row: dict[str, Any], keys: list[str]) -> list[str]:
    """A row of the analytics API as the table's cells: its `keys`, then the sums."""
    return [
        *(formatting.when(row.get(key)) if key == "hour" else str(row.get(key)) for key in keys),
        formatting.number(row.get("requests")),
        formatting.number(row.get("errors")),
        formatting.number(row.get("cached")),
        formatting.number(row.get("tokens_in")),
        formatting.number(row.get("tokens_out")),
        formatting.cost(row.get("cost")),
        formatting.duration(row.get("duration_avg")),
    ]
