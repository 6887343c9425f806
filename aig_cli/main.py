"""The `aig` command: its command groups, and errors shown as one line with an exit code
(errors.py), never a traceback."""

from __future__ import annotations

import sys

import typer

from aig_cli import analytics, export, gateways, logs, output
from aig_cli.errors import CliError

app = typer.Typer(
    name="aig",
    help="The AI gateway's command line: gateways, logs, analytics and exports of an account.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

COMMAND_MODULES = (gateways, logs, analytics, export)
"""Each module's `register(app)` adds its commands; a new group is one more entry."""

for module in COMMAND_MODULES:
    module.register(app)


def main(argv: list[str] | None = None) -> None:
    """Run `aig` with `argv` (default: the process's arguments) and exit."""
    command = typer.main.get_command(app)
    try:  # standalone: click shows usage errors (exit 2) and turns Ctrl-C into exit 130
        command.main(args=argv, prog_name="aig", standalone_mode=True)
    except CliError as exc:
        _fail(exc.message, exc.exit_code)
    except Exception as exc:  # a bug: one line, not a traceback
        _fail(f"unexpected error: {type(exc).__name__}: {exc}", 1)


def _fail(message: str, code: int) -> None:
    output.err().print(f"aig: error: {message}")
    sys.exit(code)
