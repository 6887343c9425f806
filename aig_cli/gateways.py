"""`aig gateways list|get|create|update|delete`."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from aig_cli import output
from aig_cli.client import ApiClient
from aig_cli.errors import UsageError
from aig_cli.options import Json, connection, inject, option
from aig_cli.settings import Settings

PER_PAGE = 50
PANEL = "Settings"

commands = typer.Typer(help="List, show, create, update and delete gateways.", no_args_is_help=True)

GatewayId = Annotated[str, typer.Argument(help="The gateway id.", show_default=False)]

COLUMNS = ("id", "logs", "stored", "cache ttl", "rate limit", "log limit", "auth", "created")


def register(app: typer.Typer) -> None:
    """Add the `gateways` commands to `app`."""
    app.add_typer(commands, name="gateways")


def _setting(name: str, kind: Any, text: str, flag: str | None = None) -> Any:
    declared = typer.Option(flag or "--" + name.replace("_", "-"), help=text, rich_help_panel=PANEL)
    return option(name, Annotated[kind, declared])


_SETTINGS = [
    _setting("collect_logs", bool | None, "Log requests.", "--collect-logs/--no-collect-logs"),
    _setting("cache_ttl", int | None, "Cache answers for this many seconds (0: off)."),
    _setting(
        "cache_invalidate_on_update",
        bool | None,
        "Drop the cache on each update.",
        "--cache-invalidate-on-update/--no-cache-invalidate-on-update",
    ),
    _setting(
        "cache_key_includes_credentials",
        bool | None,
        "Callers with different provider keys never share cached answers.",
        "--cache-key-includes-credentials/--no-cache-key-includes-credentials",
    ),
    _setting("rate_limiting_limit", int | None, "Requests allowed per interval (0: no limit)."),
    _setting("rate_limiting_interval", int | None, "The rate limit's interval, seconds."),
    _setting("rate_limiting_technique", str | None, "fixed or sliding."),
    _setting(
        "authentication",
        bool | None,
        "Require aig-authorization on proxied requests.",
        "--authentication/--no-authentication",
    ),
    _setting("log_management", int | None, "Most logs kept."),
    _setting("log_management_strategy", str | None, "STOP_INSERTING or DELETE_OLDEST."),
    _setting("retry_max_attempts", int | None, "Attempts per request (1-5)."),
    _setting("retry_delay", int | None, "Milliseconds between attempts."),
    _setting("retry_backoff", str | None, "constant, linear or exponential."),
    _setting(
        "set_fields",
        list[str] | None,
        "FIELD=JSON for any other gateway field (e.g. zdr=true, dlp='{...}'), repeatable.",
        "--set",
    ),
]


def _changes(**values: Any) -> dict[str, Any]:
    """The settings given, as the API's fields (--set values parsed as JSON)."""
    extra = values.pop("set_fields") or []
    changes = {name: value for name, value in values.items() if value is not None}
    for text in extra:
        name, sep, raw = text.partition("=")
        if not sep or not name:
            raise UsageError(f"--set takes FIELD=JSON, got {text[:60]!r}")
        try:
            changes[name.strip()] = json.loads(raw)
        except ValueError:
            raise UsageError(f"--set {name}: the value is not JSON: {raw[:60]!r}") from None
    return changes


settings_options = inject("changes", _SETTINGS, _changes)


@commands.command("list")
@connection()
def list_gateways(
    settings: Settings,
    search: Annotated[str | None, typer.Option(help="Only ids containing this.")] = None,
    json_out: Json = False,
) -> None:
    """The account's gateways."""
    params = [("per_page", str(PER_PAGE)), *([("search", search)] if search else [])]
    gateways: list[dict[str, Any]] = []
    with ApiClient(settings) as api:
        page = 1
        while True:
            answer = api.call("GET", api.gateways_path(), [*params, ("page", str(page))])
            gateways += answer.result
            if len(gateways) >= int(answer.info.get("total_count", 0)) or not answer.result:
                break
            page += 1
    if json_out:
        output.print_json(gateways)
        return
    output.out().print(output.table(COLUMNS, [_row(g) for g in gateways]))


@commands.command("get")
@connection()
def get_gateway(settings: Settings, gateway_id: GatewayId, json_out: Json = False) -> None:
    """One gateway's settings and counters."""
    with ApiClient(settings) as api:
        gateway = api.call("GET", api.gateways_path(gateway_id)).result
    _show(gateway, json_out)


@commands.command("create")
@connection()
@settings_options
def create_gateway(
    settings: Settings, gateway_id: GatewayId, changes: dict[str, Any], json_out: Json = False
) -> None:
    """Create a gateway; settings not given take their defaults."""
    with ApiClient(settings) as api:
        gateway = api.call("POST", api.gateways_path(), body={"id": gateway_id, **changes})
    _show(gateway.result, json_out)


@commands.command("update")
@connection()
@settings_options
def update_gateway(
    settings: Settings, gateway_id: GatewayId, changes: dict[str, Any], json_out: Json = False
) -> None:
    """Change the settings given (the others stay as they are)."""
    if not changes:
        raise UsageError("nothing to update: give at least one setting (see --help)")
    with ApiClient(settings) as api:
        gateway = api.call("PUT", api.gateways_path(gateway_id), body=changes)
    _show(gateway.result, json_out)


@commands.command("delete")
@connection()
def delete_gateway(
    settings: Settings,
    gateway_id: GatewayId,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    json_out: Json = False,
) -> None:
    """Delete a gateway with its logs (asks first unless --yes)."""
    if not yes:
        typer.confirm(f"Delete gateway {gateway_id} and all its logs?", abort=True, err=True)
    with ApiClient(settings) as api, output.progress(f"deleting {gateway_id}") as advance:
        while True:  # a large gateway is purged over several requests
            gateway = api.call("DELETE", api.gateways_path(gateway_id)).result
            advance(1)
            if not gateway.get("deleting"):
                break
    if json_out:
        output.print_json(gateway)
    else:
        output.out().print(f"deleted gateway {gateway_id}")


def _show(gateway: dict[str, Any], json_out: bool) -> None:
    if json_out:
        output.print_json(gateway)
    else:
        output.out().print(output.fields_table(gateway))


def _row(gateway: dict[str, Any]) -> list[str]:
    limit, interval = gateway.get("rate_limiting_limit"), gateway.get("rate_limiting_interval")
    rate = f"{limit}/{interval}s {gateway.get('rate_limiting_technique')}" if limit else ""
    return [
        str(gateway.get("id")),
        "on" if gateway.get("collect_logs") else "off",
        f"{gateway.get('stored_logs', 0):,}",
        f"{gateway.get('cache_ttl') or 0}s",
        rate,
        "" if gateway.get("log_management") is None else f"{gateway['log_management']:,}",
        "yes" if gateway.get("authentication") else "",
        str(gateway.get("created_at", ""))[:10],
    ]
