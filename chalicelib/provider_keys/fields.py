"""The body of `POST .../provider_configs` (the SDK's `provider_configs.create`), checked:
every refusal is a BadRequest naming the field, never quoting the secret."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from chalicelib.errors import BadRequest

MAX_ALIAS = 128
MAX_SECRET = 4096
MAX_RATE = 10**9
SECRET_PATTERN = re.compile(r"^[\x21-\x7e]+$")
"""Printable ASCII without spaces: the secret is sent as a header value."""
PREVIEW_MIN_LENGTH = 16
"""Shorter secrets show no characters at all in their preview."""

FIELDS = frozenset(
    {
        "alias",
        "default_config",
        "provider_slug",
        "rate_limit",
        "rate_limit_period",
        "secret",
        "secret_id",
    }
)


@dataclass(frozen=True)
class NewKey:
    """A provider key to store (the secret travels beside it, never inside)."""

    provider_slug: str
    alias: str
    default_config: bool
    rate_limit: float | None
    rate_limit_period: float | None
    secret_preview: str


def parse_new_key(body: Any, known_provider: Callable[[str], bool]) -> tuple[NewKey, str]:
    """The key described by `body` and its secret; `known_provider(slug)` says whether
    the gateway can proxy to that provider."""
    if not isinstance(body, dict):
        raise BadRequest("the request body must be a JSON object")
    unknown = sorted(set(body) - FIELDS)
    if unknown:
        raise BadRequest(f"unknown field {unknown[0][:64]!r}")
    if body.get("secret_id") is not None:
        raise BadRequest("secret_id (a Secrets Store secret) is not supported: send secret")
    secret = body.get("secret")
    if not isinstance(secret, str) or not SECRET_PATTERN.fullmatch(secret):
        raise BadRequest("secret is required: the provider's API key, printable ASCII")
    if len(secret) > MAX_SECRET:
        raise BadRequest(f"secret must be at most {MAX_SECRET} characters")
    slug = body.get("provider_slug")
    if not isinstance(slug, str) or not known_provider(slug):
        raise BadRequest("provider_slug must name a provider of this gateway (e.g. openai)")
    alias = body.get("alias")
    if not isinstance(alias, str) or not 1 <= len(alias) <= MAX_ALIAS or not alias.isprintable():
        raise BadRequest(f"alias is required: 1-{MAX_ALIAS} printable characters")
    default_config = body.get("default_config")
    if not isinstance(default_config, bool):
        raise BadRequest("default_config is required: true or false")
    key = NewKey(
        provider_slug=slug,
        alias=alias,
        default_config=default_config,
        rate_limit=_rate(body, "rate_limit"),
        rate_limit_period=_rate(body, "rate_limit_period"),
        secret_preview=preview(secret),
    )
    return key, secret


def preview(secret: str) -> str:
    """What a listing shows of a secret: its last four characters, if it is long."""
    return "..." + secret[-4:] if len(secret) >= PREVIEW_MIN_LENGTH else "..."


def _rate(body: dict[str, Any], name: str) -> float | None:
    value = body.get(name)
    if value is None:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or not 0 <= value <= MAX_RATE
    ):
        raise BadRequest(f"{name} must be a number from 0 to {MAX_RATE:,}")
    return float(value)
