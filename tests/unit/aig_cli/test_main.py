from __future__ import annotations

import pytest

from aig_cli import main
from aig_cli.errors import EXIT_USAGE


def _exit_code(argv: list[str]) -> int:
    with pytest.raises(SystemExit) as exited:
        main.main(argv)
    return int(exited.value.code or 0)


def test_a_missing_setting_is_one_line_and_exit_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("AIG_TOKEN", "AIG_ACCOUNT"):
        monkeypatch.delenv(name, raising=False)
    assert _exit_code(["gateways", "list"]) == EXIT_USAGE
    assert capsys.readouterr().err == "aig: error: no token: pass --token or set AIG_TOKEN\n"


def test_a_bug_is_one_line_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("aig_cli.gateways.ApiClient", broken)
    argv = ["gateways", "list", "--token", "t", "--account", "a"]
    assert _exit_code(argv) == 1
    assert capsys.readouterr().err == "aig: error: unexpected error: RuntimeError: boom\n"


def test_every_command_module_is_registered(capsys: pytest.CaptureFixture[str]) -> None:
    assert _exit_code(["--help"]) == 0
    shown = capsys.readouterr().out
    assert all(name in shown for name in ("gateways", "logs", "analytics", "export"))
