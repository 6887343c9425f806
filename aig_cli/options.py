"""Options several commands share, declared once: the connection (--base-url, --token,
--account, --gateway) and --json. `inject` gives a command a group of options as one
argument, so each command names only its own options."""

from __future__ import annotations

import functools
import inspect
import os
from collections.abc import Callable, Sequence
from typing import Annotated, Any, TypeVar

import typer

from aig_cli.settings import ENV, Settings, resolve

F = TypeVar("F", bound=Callable[..., Any])

CONNECTION = "Connection"
"""The help panel of the connection options."""

Json = Annotated[bool, typer.Option("--json", help="Print JSON (stdout) instead of tables.")]


def option(name: str, annotation: Any, default: Any = None) -> inspect.Parameter:
    """A keyword-only parameter for `inject`: `annotation` is `Annotated[type, typer.Option]`."""
    return inspect.Parameter(
        name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation
    )


def inject(
    name: str, params: Sequence[inspect.Parameter], build: Callable[..., Any]
) -> Callable[[F], F]:
    """Replace the parameter `name` of a command by the options `params`: typer sees those,
    and the command gets `build(**their values)` as `name`."""
    names = [param.name for param in params]

    def decorate(command: F) -> F:
        signature = inspect.signature(command, eval_str=True)
        kept = [param for param in signature.parameters.values() if param.name != name]

        @functools.wraps(command)
        def wrapper(**kwargs: Any) -> Any:
            values = {key: kwargs.pop(key) for key in names}
            return command(**kwargs, **{name: build(**values)})

        hints = {p.name: p.annotation for p in kept if p.annotation is not p.empty}
        if signature.return_annotation is not signature.empty:
            hints["return"] = signature.return_annotation
        wrapper.__annotations__ = {**hints, **{param.name: param.annotation for param in params}}
        wrapper.__signature__ = signature.replace(parameters=[*kept, *params])  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate


def _connection_option(setting: str, text: str, *flags: str) -> inspect.Parameter:
    help_text = f"{text} (env {ENV[setting]})"
    declared = typer.Option(*flags, help=help_text, rich_help_panel=CONNECTION, show_default=False)
    return option(setting, Annotated[str | None, declared])


_CONNECTION = [
    _connection_option("base_url", "The gateway's API URL (default: make run's).", "--base-url"),
    _connection_option("token", "The account's API token.", "--token"),
    _connection_option("account", "The account id.", "--account", "-a"),
]
_GATEWAY = _connection_option("gateway", "The gateway id.", "--gateway", "-g")


def connection(*, gateway: bool = False) -> Callable[[F], F]:
    """Give a command the connection options (with --gateway when `gateway`), resolved
    with the environment into its `settings: Settings` argument."""

    def build(**flags: str | None) -> Settings:
        return resolve(flags, os.environ, need_gateway=gateway)

    return inject("settings", [*_CONNECTION, *([_GATEWAY] if gateway else [])], build)
