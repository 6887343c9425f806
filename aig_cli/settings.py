"""Where a command sends its requests: flags first, then the environment."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from aig_cli.errors import UsageError

DEFAULT_BASE_URL = "http://127.0.0.1:8000"
"""`make run`'s gateway."""

ENV = {
    "base_url": "AIG_BASE_URL",
    "token": "AIG_TOKEN",
    "account": "AIG_ACCOUNT",
    "gateway": "AIG_GATEWAY",
}
"""The environment variable of each setting."""


@dataclass(frozen=True)
class Settings:
    """The API's base URL, the account's API token (never shown), the account and, for
    commands about one gateway, the gateway."""

    base_url: str
    token: str = field(repr=False)
    account: str
    gateway: str | None = None


def resolve(
    flags: Mapping[str, str | None], env: Mapping[str, str], *, need_gateway: bool = False
) -> Settings:
    """Settings from `flags` (the command's --base-url, --token, --account, --gateway;
    None when not given) over `env`; an empty value counts as unset. UsageError naming the
    flag and the variable when a required one is missing."""

    def pick(name: str) -> str | None:
        value = flags.get(name) or env.get(ENV[name]) or None
        return value.strip() if value else None

    def required(name: str) -> str:
        value = pick(name)
        if not value:
            flag = "--" + name.replace("_", "-")
            raise UsageError(f"no {name.replace('_', ' ')}: pass {flag} or set {ENV[name]}")
        return value

    base_url = (pick("base_url") or DEFAULT_BASE_URL).rstrip("/")
    if not base_url.startswith(("http://", "https://")):
        raise UsageError(f"the base URL must start with http:// or https://, not {base_url!r}")
    return Settings(
        base_url=base_url,
        token=required("token"),
        account=required("account"),
        gateway=required("gateway") if need_gateway else pick("gateway"),
    )
