from __future__ import annotations

import pytest

from aig_cli.errors import EXIT_USAGE, UsageError
from aig_cli.settings import DEFAULT_BASE_URL, resolve

ENV = {"AIG_BASE_URL": "http://env:1/", "AIG_TOKEN": "env-token", "AIG_ACCOUNT": "env-acct"}


def test_flags_win_over_the_environment() -> None:
    flags = {"base_url": "https://flag/api/", "token": "flag-token", "gateway": "flag-gw"}
    settings = resolve(flags, {**ENV, "AIG_GATEWAY": "env-gw"}, need_gateway=True)
    assert settings.base_url == "https://flag/api"
    assert (settings.token, settings.account, settings.gateway) == (
        "flag-token",
        "env-acct",
        "flag-gw",
    )


def test_empty_values_count_as_unset_and_the_base_url_has_a_default() -> None:
    settings = resolve({"token": ""}, {**ENV, "AIG_BASE_URL": ""})
    assert (settings.base_url, settings.token, settings.gateway) == (
        DEFAULT_BASE_URL,
        "env-token",
        None,
    )


@pytest.mark.parametrize(
    ("env", "need_gateway", "message"),
    [
        ({"AIG_ACCOUNT": "a"}, False, "no token: pass --token or set AIG_TOKEN"),
        ({"AIG_TOKEN": "t"}, False, "no account: pass --account or set AIG_ACCOUNT"),
        ({"AIG_TOKEN": "t", "AIG_ACCOUNT": "a"}, True, "no gateway: pass --gateway or set"),
        ({**ENV, "AIG_BASE_URL": "ftp://x"}, False, "must start with http:// or https://"),
    ],
)
def test_what_is_missing_is_named(env: dict[str, str], need_gateway: bool, message: str) -> None:
    with pytest.raises(UsageError, match=message) as refused:
        resolve({}, env, need_gateway=need_gateway)
    assert refused.value.exit_code == EXIT_USAGE


def test_the_token_is_not_in_the_repr() -> None:
    assert "env-token" not in repr(resolve({}, ENV))
