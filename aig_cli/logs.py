"""`aig logs list|tail|get|delete`."""

from __future__ import annotations

import functools
import time
from datetime import timedelta
from typing import Annotated, Any

import typer

from aig_cli import formatting, log_pages, output
from aig_cli.client import ApiClient
from aig_cli.follow import Follower
from aig_cli.log_bodies import Body, fetch_raw, read_body, show_body
from aig_cli.log_filters import LogFilters, log_filters
from aig_cli.options import Json, connection
from aig_cli.settings import Settings

commands = typer.Typer(help="List, follow, show and delete a gateway's logs.", no_args_is_help=True)

FOLLOWING = "following new logs of"
"""Said on stderr once `logs tail` has taken note of the logs there are."""

Yes = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")]
OrderBy = Annotated[
    str | None, typer.Option(help="Sort by this field (default created_at), e.g. cost.")
]
Ascending = Annotated[bool, typer.Option("--asc", help="Oldest (smallest) first.")]


def register(app: typer.Typer) -> None:
    """Add the `logs` commands to `app`."""
    app.add_typer(commands, name="logs")


def _order(order_by: str | None, ascending: bool) -> list[tuple[str, str]]:
    params = [("order_by", order_by)] if order_by else []
    return [*params, ("direction", "asc" if ascending else "desc")]


@commands.command("list")
@connection(gateway=True)
@log_filters
def list_logs(
    settings: Settings,
    filters: LogFilters,
    limit: Annotated[int, typer.Option(min=1, help="Most logs shown.")] = 20,
    every: Annotated[bool, typer.Option("--all", help="Every matching log (no limit).")] = False,
    order_by: OrderBy = None,
    ascending: Ascending = False,
    json_out: Json = False,
) -> None:
    """Logs matching the filters, newest first, paged through the API's cursor."""
    wanted = None if every else limit
    params = [*filters.params(), *_order(order_by, ascending)]
    logs: list[dict[str, Any]] = []
    with ApiClient(settings) as api, output.progress("reading logs", wanted) as advance:
        for answer in log_pages.pages(api, params, wanted):
            logs += answer.result
            total = answer.info.get("total_count")
            advance(len(answer.result), _total(wanted, total))
    if json_out:
        output.print_json(logs)
        return
    rows = [formatting.log_row(log) for log in logs]
    output.out().print(output.table(formatting.LOG_COLUMNS, rows))


def _total(wanted: int | None, total: Any) -> int | None:
    if not isinstance(total, int):
        return wanted
    return total if wanted is None else min(wanted, total)


@commands.command("tail")
@connection(gateway=True)
@log_filters
def tail_logs(
    settings: Settings,
    filters: LogFilters,
    lines: Annotated[int, typer.Option("--lines", "-n", min=0, help="Recent logs first.")] = 10,
    interval: Annotated[float, typer.Option(min=0.1, help="Seconds between polls.")] = 2.0,
    window: Annotated[
        float, typer.Option(min=1, help="Seconds a log may take to appear (e.g. long streams).")
    ] = 120.0,
    max_logs: Annotated[
        int | None, typer.Option(min=1, help="Stop after this many new logs.")
    ] = None,
    timeout: Annotated[float | None, typer.Option(min=0, help="Stop after these seconds.")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="One JSON log per line.")] = False,
) -> None:
    """Follow new logs as they are stored, each printed once (Ctrl-C stops)."""
    params = filters.params()
    deadline = None if timeout is None else time.monotonic() + timeout
    console = output.out()

    def show(log: dict[str, Any]) -> None:
        if json_out:
            output.print_json_line(log)
        else:
            console.print(formatting.log_line(log), soft_wrap=True)

    shown = 0
    try:
        with ApiClient(settings) as api:
            fetch = functools.partial(log_pages.since, api, params)
            follower = Follower(fetch, timedelta(seconds=window))
            for log in follower.start()[-lines:] if lines else []:
                show(log)
            output.err().print(f"{FOLLOWING} {settings.gateway} (Ctrl-C stops)")
            while max_logs is None or shown < max_logs:
                if deadline is not None and time.monotonic() >= deadline:
                    return
                pause = interval if deadline is None else min(interval, deadline - time.monotonic())
                time.sleep(max(pause, 0))
                for log in follower.poll()[: None if max_logs is None else max_logs - shown]:
                    show(log)
                    shown += 1
    except KeyboardInterrupt:
        return  # Ctrl-C is how a follower ends


@commands.command("get")
@connection(gateway=True)
def get_log(
    settings: Settings,
    log_id: Annotated[str, typer.Argument(help="The log id.", show_default=False)],
    bodies: Annotated[bool, typer.Option(help="Also the request and response bodies.")] = False,
    raw: Annotated[
        bool, typer.Option(help="A streamed answer as its events, not assembled text.")
    ] = False,
    json_out: Json = False,
) -> None:
    """One log: its fields and, with --bodies, what was sent and answered."""
    with ApiClient(settings) as api:
        log = api.call("GET", api.gateway_path("logs", log_id)).result
        parts: dict[str, Body | None] = {}
        if bodies:
            parts = {part: _body(api, log_id, part) for part in ("request", "response")}
    if json_out:
        document: dict[str, Any] = {"log": log}
        for part, body in parts.items():
            document.update(body.as_json(part) if body else {part: None})
        output.print_json(document)
        return
    console = output.out()
    console.print(output.fields_table(log))
    for part, body in parts.items():
        console.rule(part)
        show_body(console, body, raw)


def _body(api: ApiClient, log_id: str, part: str) -> Body | None:
    """The stored body, None when the log has none (e.g. payloads not collected)."""
    raw = fetch_raw(api, log_id, part)
    return None if raw is None else read_body(raw)


@commands.command("delete")
@connection(gateway=True)
@log_filters
def delete_logs(
    settings: Settings,
    filters: LogFilters,
    limit: Annotated[int | None, typer.Option(min=1, help="Delete at most this many.")] = None,
    order_by: OrderBy = None,
    ascending: Ascending = False,
    yes: Yes = False,
    json_out: Json = False,
) -> None:
    """Delete the logs matching the filters (every log without one), with their bodies;
    asks first unless --yes."""
    if not yes:
        typer.confirm(_delete_question(filters, limit, settings.gateway), abort=True, err=True)
    params = [*filters.params(), *_order(order_by, ascending)]
    deleted, complete = 0, False
    with ApiClient(settings) as api, output.progress("deleting logs", limit) as advance:
        while not complete:  # the API deletes within a time budget: repeat until complete
            left = [] if limit is None else [("limit", str(limit - deleted))]
            result = api.call("DELETE", api.gateway_path("logs"), [*params, *left]).result
            count = int(result.get("deleted", 0))
            deleted += count
            advance(count)
            complete = bool(result.get("complete", True)) or deleted == limit
            if not count:
                break  # no progress: say so rather than ask forever
    if json_out:
        output.print_json({"deleted": deleted, "complete": complete})
    else:
        more = "" if complete else " (not all: run the command again)"
        output.out().print(f"deleted {deleted:,} logs{more}")


def _delete_question(filters: LogFilters, limit: int | None, gateway: str | None) -> str:
    amount = f"up to {limit:,}" if limit else "all" if filters.any() else "ALL"
    which = "matching logs" if filters.any() else "logs"
    return f"Delete {amount} {which} of gateway {gateway}?"
