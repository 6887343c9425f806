"""The body of `POST /accounts/{a}/ai-gateway/custom-providers` (the SDK's
`custom_providers.create`), checked: a slug, a base URL the gateway may call, and the
descriptive fields. Every refusal is a BadRequest naming the field."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from chalicelib.errors import BadRequest

SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
"""1-64 lower-case letters, digits or inner `-`: the path is `/v1/{a}/{g}/custom-{slug}`."""
PREFIX = "custom-"
"""What a custom provider's slug is prefixed with in proxy paths and stored keys."""
MAX_URL = 2048
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_PATH = re.compile(r"^[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$")
_PRIVATE_SUFFIXES = (".localhost", ".local", ".internal", ".localdomain", ".home.arpa")
TEXTS = {"name": 256, "description": 1024, "curl_example": 8192, "js_example": 8192}
"""Free-text fields and their longest length; `name` is required."""
MAX_POSITION = 1_000_000
FIELDS = frozenset({"base_url", "slug", "beta", "enable", "headers", "link", "position", *TEXTS})


@dataclass(frozen=True)
class NewCustomProvider:
    """A custom provider to create."""

    slug: str
    base_url: str
    name: str
    description: str | None
    curl_example: str | None
    js_example: str | None
    link: str | None
    beta: bool | None
    enable: bool
    position: int | None


def parse_custom_provider(body: Any, allow_loopback: bool) -> NewCustomProvider:
    """The provider described by `body`; `allow_loopback` admits http(s) base URLs on
    127.0.0.1 or localhost (`make run` only)."""
    if not isinstance(body, dict):
        raise BadRequest("the request body must be a JSON object")
    unknown = sorted(set(body) - FIELDS)
    if unknown:
        raise BadRequest(f"unknown field {unknown[0][:64]!r}")
    if body.get("headers") is not None:
        raise BadRequest("headers is not supported: store the provider's key with provider_configs")
    texts = {name: _text(body, name, limit) for name, limit in TEXTS.items()}
    name = texts.pop("name")
    if name is None:
        raise BadRequest("name is required")
    return NewCustomProvider(
        slug=check_slug(body.get("slug")),
        base_url=check_base_url(body.get("base_url"), allow_loopback),
        name=name,
        link=_link(body.get("link")),
        beta=_flag(body, "beta"),
        enable=_flag(body, "enable") is not False,
        position=_position(body.get("position")),
        **texts,
    )


def check_slug(value: Any) -> str:
    """A valid slug, else BadRequest."""
    if not isinstance(value, str) or not SLUG_PATTERN.fullmatch(value):
        raise BadRequest(
            "slug must be 1-64 lower-case letters, digits or '-', starting and ending with a"
            " letter or digit"
        )
    return value


def check_base_url(value: Any, allow_loopback: bool) -> str:
    """An https URL on a public DNS name (no credentials, query or fragment), or, with
    `allow_loopback`, an http(s) URL on the loopback host; BadRequest otherwise."""
    if not isinstance(value, str) or not 1 <= len(value) <= MAX_URL or not value.isascii():
        raise BadRequest(f"base_url must be a URL of at most {MAX_URL} ASCII characters")
    try:
        parts = urlsplit(value)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError when out of range
    except ValueError:
        raise BadRequest("base_url is not a valid URL") from None
    if "@" in parts.netloc:
        raise BadRequest("base_url must not hold credentials: store keys with provider_configs")
    if parts.query or parts.fragment or "?" in value or "#" in value:
        raise BadRequest("base_url must have no query or fragment")
    segments = parts.path.split("/")
    if not _PATH.fullmatch(parts.path) or "." in segments or ".." in segments:
        raise BadRequest("base_url has an invalid path")
    if host in LOOPBACK_HOSTS and allow_loopback:
        if parts.scheme not in ("http", "https"):
            raise BadRequest("base_url must be an http or https URL")
        return value
    if parts.scheme != "https":
        raise BadRequest("base_url must be an https URL")
    if not _public_name(host):
        raise BadRequest("base_url must name a public host by its DNS name")
    return value


def _public_name(host: str) -> bool:
    """A DNS name with a dot, not an IP address, not a local or internal name."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return False
    labels = host.split(".")
    return (
        len(labels) >= 2
        and len(host) <= 253
        and all(_LABEL.fullmatch(label) for label in labels)
        and not labels[-1].isdigit()
        and host not in LOOPBACK_HOSTS
        and not host.endswith(_PRIVATE_SUFFIXES)
    )


def _text(body: dict[str, Any], name: str, limit: int) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or not 1 <= len(value) <= limit:
        raise BadRequest(f"{name} must be a string of 1-{limit} characters")
    return value


def _link(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not 1 <= len(value) <= MAX_URL or not value.isprintable():
        raise BadRequest(f"link must be a URL of at most {MAX_URL} characters")
    return value


def _flag(body: dict[str, Any], name: str) -> bool | None:
    value = body.get(name)
    if value is not None and not isinstance(value, bool):
        raise BadRequest(f"{name} must be true or false")
    return value


def _position(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_POSITION:
        raise BadRequest(f"position must be an integer from 0 to {MAX_POSITION:,}")
    return value
