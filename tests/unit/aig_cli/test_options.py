from __future__ import annotations

from typing import Annotated

import typer
from typer.testing import CliRunner

from aig_cli.options import inject, option

TWO = [
    option("first", Annotated[str, typer.Option("--first")], "a"),
    option("second", Annotated[int, typer.Option("--second")], 1),
]


def test_inject_turns_options_into_one_argument() -> None:
    app = typer.Typer()
    seen: list[object] = []

    @app.command()
    @inject("pair", TWO, lambda first, second: (first, second))
    def command(name: str, pair: tuple[str, int], loud: bool = False) -> None:
        seen.append((name, pair, loud))

    result = CliRunner().invoke(app, ["x", "--second", "5", "--loud"])
    assert result.exit_code == 0, result.output
    assert seen == [("x", ("a", 5), True)]
