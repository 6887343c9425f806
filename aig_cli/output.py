"""Where answers go: tables and text on stdout (rich), JSON on stdout (plain, parseable),
errors and progress bars on stderr."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, Protocol

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn
from rich.table import Table

PIPE_WIDTH = 160
"""Width of tables written to a pipe or a file (rich would use 80), unless COLUMNS says."""


def _console(stream: Any) -> Console:
    wide = not stream.isatty() and "COLUMNS" not in os.environ
    return Console(file=stream, width=PIPE_WIDTH if wide else None, markup=False, highlight=False)


def out() -> Console:
    """The console of answers (stdout)."""
    return _console(sys.stdout)


def err() -> Console:
    """The console of errors and progress (stderr)."""
    return _console(sys.stderr)


def print_json(data: Any) -> None:
    """`data` as indented JSON on stdout."""
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def print_json_line(data: Any) -> None:
    """`data` as one line of JSON on stdout, flushed (for followers such as `logs tail`)."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def table(columns: Sequence[str], rows: Sequence[Sequence[str]], title: str | None = None) -> Table:
    """A table of strings with a header row."""
    shown = Table(title=title, header_style="bold", show_edge=False)
    for column in columns:
        shown.add_column(column, overflow="fold")
    for row in rows:
        shown.add_row(*row)
    return shown


def fields_table(values: Mapping[str, Any]) -> Table:
    """A two-column table of names and values (None as empty, others as JSON if not text)."""
    rows = [[name, _text(value)] for name, value in values.items()]
    shown = table(["field", "value"], rows)
    shown.show_header = False
    return shown


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


class Advance(Protocol):
    """Moves a progress bar on by `steps` (and may change its total and description)."""

    def __call__(
        self, steps: int, total: int | None = None, description: str | None = None
    ) -> None: ...


@contextmanager
def progress(description: str, total: int | None = None) -> Iterator[Advance]:
    """A progress bar on stderr (a spinner while the total is unknown); gone once done, and
    silent when stderr is not a terminal."""
    bar = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=err(),
        transient=True,
    )
    task = bar.add_task(description, total=total)

    def advance(steps: int, total: int | None = None, description: str | None = None) -> None:
        if total is not None:
            bar.update(task, total=total)
        if description is not None:
            bar.update(task, description=description)
        bar.advance(task, steps)

    with bar:
        yield advance
