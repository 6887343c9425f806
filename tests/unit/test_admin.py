"""The admin command, run in-process against moto (and once as a real subprocess)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from chalicelib.accounts.store import AccountStore
from chalicelib.admin import TOKEN_NOTE, main

REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Run:
    """Exit code and output of one command."""

    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


Admin = Callable[..., Run]


@pytest.fixture
def admin(accounts: AccountStore) -> Admin:
    """Run the admin command in-process against the `accounts` store."""

    def run(*argv: str) -> Run:
        out, err = io.StringIO(), io.StringIO()
        code = main(list(argv), store=accounts, out=out, err=err)
        return Run(code, out.getvalue(), err.getvalue())

    return run


def test_create_account(admin: Admin, accounts: AccountStore) -> None:
    run = admin("create-account", "acme", "--plan", "paid")
    assert run.code == 0
    assert run.json()["id"] == "acme"
    assert run.json()["plan"] == "paid"
    account = accounts.get_account("acme")
    assert account is not None and account.plan == "paid"


def test_create_duplicate_account_fails(admin: Admin) -> None:
    admin("create-account", "acme", "--plan", "free")
    run = admin("create-account", "acme", "--plan", "paid")
    assert run.code == 1
    assert run.out == ""
    assert "account acme already exists" in run.err
    assert "Traceback" not in run.err


def test_set_plan_changes_entitlements(admin: Admin) -> None:
    admin("create-account", "acme", "--plan", "paid")
    assert admin("show-account", "acme").json()["entitlements"] == {
        "max_gateways": 20,
        "account_log_limit": None,
        "gateway_log_default": 10_000_000,
    }
    run = admin("set-plan", "acme", "free")
    assert run.code == 0
    assert run.json()["plan"] == "free"
    assert {"stored_logs", "gateway_count"} <= run.json().keys()
    shown = admin("show-account", "acme").json()
    assert shown["plan"] == "free"
    assert shown["entitlements"] == {
        "max_gateways": 10,
        "account_log_limit": 100_000,
        "gateway_log_default": None,
    }


def test_show_account_lists_gateways(admin: Admin, accounts: AccountStore) -> None:
    accounts.create_account("acme", "paid")
    accounts.create_gateway("acme", "main", {})
    shown = admin("show-account", "acme").json()
    assert shown["gateway_count"] == 1
    assert shown["gateways"] == [{"id": "main", "stored_logs": 0, "dropped_logs": 0}]


def test_issued_token_maps_to_account_and_is_never_listed(
    admin: Admin, accounts: AccountStore
) -> None:
    admin("create-account", "acme", "--plan", "paid")
    run = admin("issue-token", "acme", "--name", "ci")
    assert run.code == 0
    issued = run.json()
    assert accounts.account_of_token(issued["token"]) == "acme"
    assert TOKEN_NOTE in run.err
    listed = admin("list-tokens", "acme")
    assert listed.code == 0
    assert [(t["token_id"], t["name"]) for t in listed.json()] == [(issued["token_id"], "ci")]
    assert issued["token"] not in listed.out
    assert set(listed.json()[0]) == {"token_id", "name", "created_at"}


def test_revoke_token(admin: Admin, accounts: AccountStore) -> None:
    admin("create-account", "acme", "--plan", "free")
    issued = admin("issue-token", "acme").json()
    run = admin("revoke-token", "acme", issued["token_id"])
    assert run.code == 0
    assert accounts.account_of_token(issued["token"]) is None
    assert admin("list-tokens", "acme").json() == []


def test_revoke_unknown_token_fails(admin: Admin) -> None:
    admin("create-account", "acme", "--plan", "free")
    run = admin("revoke-token", "acme", "nope")
    assert run.code == 1
    assert "token nope not found" in run.err


@pytest.mark.parametrize("account_id", ["", "ev#il", "a/b", "DEMO", "x" * 65])
def test_ids_the_api_refuses_are_refused(
    admin: Admin, accounts: AccountStore, account_id: str
) -> None:
    run = admin("create-account", account_id, "--plan", "free")
    assert run.code == 1 and run.out == ""
    assert "error: account id must be 1-64 lower-case letters" in run.err
    assert accounts.get_account(account_id) is None


def test_unknown_plan_is_a_usage_error(
    admin: Admin, accounts: AccountStore, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        admin("create-account", "acme", "--plan", "gold")
    assert exit_info.value.code == 2
    assert "invalid choice: 'gold'" in capsys.readouterr().err
    assert accounts.get_account("acme") is None


@pytest.mark.parametrize(
    "argv",
    [
        ("issue-token", "ghost"),
        ("set-plan", "ghost", "paid"),
        ("show-account", "ghost"),
        ("list-tokens", "ghost"),
    ],
)
def test_missing_account_fails(admin: Admin, accounts: AccountStore, argv: tuple[str, ...]) -> None:
    run = admin(*argv)
    assert run.code == 1
    assert run.out == ""
    assert "account ghost not found" in run.err
    assert accounts.list_tokens("ghost") == []


def test_help_runs_as_a_module() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "chalicelib.admin", "--help"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    for name in (
        "create-account",
        "set-plan",
        "show-account",
        "issue-token",
        "list-tokens",
        "revoke-token",
    ):
        assert name in done.stdout
