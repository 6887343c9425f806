"""Admin command for accounts, their plans and their API tokens in the control table (an
entry point: it builds its store with chalicelib.wiring).

    python -m chalicelib.admin create-account acme --plan paid
    python -m chalicelib.admin set-plan acme free
    python -m chalicelib.admin show-account acme
    python -m chalicelib.admin issue-token acme --name ci
    python -m chalicelib.admin list-tokens acme
    python -m chalicelib.admin revoke-token acme 0123456789ab

Against the moto server of `make run` (its control table is the default, `aig-control`):

    AWS_ENDPOINT_URL=http://127.0.0.1:4566 AWS_DEFAULT_REGION=us-east-1 \\
    AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing \\
    python -m chalicelib.admin show-account demo

Against a real deployment: your usual AWS credentials and region, and the stack's
ControlTableName output as AIG_CONTROL_TABLE:

    AIG_CONTROL_TABLE=aig-control python -m chalicelib.admin show-account acme

Results are JSON on stdout. Errors go to stderr with exit code 1 (2 for usage errors).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import asdict
from typing import Any, TextIO

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib import wiring
from chalicelib.accounts import PLANS, Account, AccountStore
from chalicelib.errors import ApiError, NotFound

TOKEN_NOTE = "Keep this token now: it will not be shown again."

Handler = Callable[[AccountStore, argparse.Namespace], Any]


def _require_account(store: AccountStore, account_id: str) -> Account:
    account = store.get_account(account_id)
    if account is None:
        raise NotFound(f"account {account_id} not found")
    return account


def _create_account(store: AccountStore, args: argparse.Namespace) -> Any:
    return asdict(store.create_account(args.account_id, args.plan))


def _set_plan(store: AccountStore, args: argparse.Namespace) -> Any:
    return asdict(store.set_plan(args.account_id, args.plan))


def _show_account(store: AccountStore, args: argparse.Namespace) -> Any:
    account = _require_account(store, args.account_id)
    plan = account.entitlements
    return {
        **asdict(account),
        "entitlements": {
            "max_gateways": plan.max_gateways,
            "account_log_limit": plan.account_log_limit,
            "gateway_log_default": plan.gateway_log_default,
        },
        "gateways": [
            {"id": g.id, "stored_logs": g.stored_logs, "dropped_logs": g.dropped_logs}
            for g in store.list_gateways(args.account_id)
        ],
    }


def _issue_token(store: AccountStore, args: argparse.Namespace) -> Any:
    issued = store.issue_token(args.account_id, args.name)
    return {
        "account_id": args.account_id,
        "token_id": issued.token_id,
        "name": args.name,
        "token": issued.token,
    }


def _list_tokens(store: AccountStore, args: argparse.Namespace) -> Any:
    _require_account(store, args.account_id)
    tokens = sorted(store.list_tokens(args.account_id), key=lambda t: t.created_at)
    return [{"token_id": t.token_id, "name": t.name, "created_at": t.created_at} for t in tokens]


def _revoke_token(store: AccountStore, args: argparse.Namespace) -> Any:
    store.revoke_token(args.account_id, args.token_id)
    return {"account_id": args.account_id, "token_id": args.token_id, "revoked": True}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m chalicelib.admin",
        description="Manage accounts, plans and API tokens in the control table.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    plans = sorted(PLANS)

    def command(name: str, handler: Handler, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.set_defaults(handler=handler, note=None)
        sub.add_argument("account_id", metavar="ACCOUNT_ID")
        return sub

    command("create-account", _create_account, "create an account").add_argument(
        "--plan", choices=plans, required=True
    )
    command("set-plan", _set_plan, "move an account to another plan").add_argument(
        "plan", choices=plans
    )
    command("show-account", _show_account, "show an account, its entitlements and gateways")
    issue = command("issue-token", _issue_token, "issue an API token (shown only once)")
    issue.add_argument("--name", default="admin", help="label of the token (default: admin)")
    issue.set_defaults(note=TOKEN_NOTE)
    command("list-tokens", _list_tokens, "list an account's tokens (ids and names only)")
    command("revoke-token", _revoke_token, "revoke one token of an account").add_argument(
        "token_id", metavar="TOKEN_ID"
    )
    return parser


def main(
    argv: list[str] | None = None,
    store: AccountStore | None = None,
    out: TextIO = sys.stdout,
    err: TextIO = sys.stderr,
) -> int:
    """Run one admin command; return the exit code (argparse exits 2 on usage errors)."""
    args = _parser().parse_args(argv)
    try:
        if store is None:
            store = wiring.accounts()
        result = args.handler(store, args)
    except ApiError as exc:
        print(f"error: {exc.message}", file=err)
        return 1
    except (BotoCoreError, ClientError) as exc:
        print(f"error: AWS: {exc}", file=err)
        return 1
    print(json.dumps(result, indent=2), file=out)
    if args.note:
        print(args.note, file=err)
    return 0


if __name__ == "__main__":
    sys.exit(main())
