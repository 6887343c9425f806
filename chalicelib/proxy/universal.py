"""The universal endpoint's body: a JSON array of steps tried in order (fallbacks).

Each step is `{provider, endpoint, headers, query, config?}` as Cloudflare defines it:
`endpoint` is the path after the provider slug (e.g. "chat/completions", optionally with a
`?query`), `headers` the provider headers of that step, `query` the provider request body
(a JSON object) and `config` per-step gateway options (requestTimeout, maxAttempts,
retryDelay, backoff, cacheTtl, skipCache, cacheKey), read as the matching `aig-*` headers.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TypeGuard
from urllib.parse import parse_qsl, unquote

from chalicelib.errors import BadRequest
from chalicelib.jsontypes import JsonValue
from chalicelib.validation import MAX_BODY_DEPTH, InvalidInput, check_text, load_json

MAX_STEPS = 10
MAX_PROVIDER_LENGTH = 64
MAX_ENDPOINT_LENGTH = 2048
MAX_HEADER_VALUE_LENGTH = 8192
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]{1,256}")
_HEADER_VALUE = re.compile(r"[\t\x20-\x7e]*")
"""A step's headers go to the provider as they are: HTTP tokens and visible ASCII only."""

CONFIG_HEADERS = {
    "requestTimeout": "aig-request-timeout",
    "maxAttempts": "aig-max-attempts",
    "retryDelay": "aig-retry-delay",
    "backoff": "aig-backoff",
    "cacheTtl": "aig-cache-ttl",
    "skipCache": "aig-skip-cache",
    "cacheKey": "aig-cache-key",
}
"""Step `config` keys and the request headers they stand for."""


@dataclass(frozen=True)
class UniversalStep:
    """One step: a provider request and its own gateway options."""

    provider: str
    path_segments: list[str]
    query: list[tuple[str, str]]
    headers: dict[str, str]
    """Lower-case names: the step's headers and its config as `aig-*` headers."""
    body: bytes


def parse_steps(body: bytes) -> list[UniversalStep]:
    """The steps of a universal request; BadRequest naming the problem."""
    try:
        steps: JsonValue = load_json(body or b"null", MAX_BODY_DEPTH)
    except InvalidInput as exc:
        raise BadRequest(
            f"the universal endpoint takes a JSON array of steps; the body {exc}"
        ) from None
    if isinstance(steps, dict):
        steps = [steps]
    if not isinstance(steps, list) or not steps:
        raise BadRequest("the universal endpoint takes a non-empty JSON array of steps")
    if len(steps) > MAX_STEPS:
        raise BadRequest(f"the universal endpoint takes at most {MAX_STEPS} steps")
    return [_step(index, step) for index, step in enumerate(steps)]


def _step(index: int, step: JsonValue) -> UniversalStep:
    where = f"step {index}"
    if not isinstance(step, dict):
        raise BadRequest(f"{where} must be an object with provider, endpoint and query")
    unknown = set(step) - {"provider", "endpoint", "headers", "query", "config"}
    if unknown:
        raise BadRequest(f"{where} has unknown fields: {', '.join(sorted(unknown))}")
    provider, endpoint = step.get("provider"), step.get("endpoint")
    if not _is_text(provider, MAX_PROVIDER_LENGTH):
        raise BadRequest(f"{where}: provider must be a provider slug such as 'openai'")
    if not _is_text(endpoint, MAX_ENDPOINT_LENGTH) or not endpoint.strip("/"):
        raise BadRequest(
            f"{where}: endpoint must be a path such as 'chat/completions' "
            f"(at most {MAX_ENDPOINT_LENGTH} characters)"
        )
    path, _, query = endpoint.strip("/").partition("?")
    if not isinstance(step.get("query"), dict):
        raise BadRequest(f"{where}: query must be the provider request body, a JSON object")
    headers = {"content-type": "application/json", **_headers(where, step.get("headers"))}
    headers.update(_config(where, step.get("config")))
    return UniversalStep(
        provider=provider.lower(),
        path_segments=[unquote(segment) for segment in path.split("/")],
        query=parse_qsl(query, keep_blank_values=True),
        headers=headers,
        body=json.dumps(step["query"]).encode(),
    )


def _is_text(value: JsonValue, max_length: int) -> TypeGuard[str]:
    """True for a non-empty string of valid Unicode of at most `max_length` characters."""
    if not isinstance(value, str) or not value:
        return False
    try:
        check_text(value, max_length)
    except InvalidInput:
        return False
    return True


def _headers(where: str, raw: JsonValue) -> dict[str, str]:
    if raw is None:
        return {}
    headers = _strings(raw)
    if headers is None:
        raise BadRequest(f"{where}: headers must be an object of string values")
    for index, (name, value) in enumerate(headers.items()):
        if not _HEADER_NAME.fullmatch(name):
            raise BadRequest(f"{where}: header {index + 1} has a name that is not an HTTP token")
        if len(value) > MAX_HEADER_VALUE_LENGTH or not _HEADER_VALUE.fullmatch(value):
            raise BadRequest(
                f"{where}: header {name[:40]!r} must be visible ASCII of at most "
                f"{MAX_HEADER_VALUE_LENGTH} characters"
            )
    return {name.lower(): value for name, value in headers.items()}


def _strings(raw: JsonValue) -> dict[str, str] | None:
    """`raw` when it is an object of string values, else None."""
    if not isinstance(raw, dict):
        return None
    strings = {name: value for name, value in raw.items() if isinstance(value, str)}
    return strings if len(strings) == len(raw) else None


def _config(where: str, raw: JsonValue) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise BadRequest(f"{where}: config must be an object")
    headers: dict[str, str] = {}
    for key, value in raw.items():
        header = CONFIG_HEADERS.get(key)
        if header is None:
            known = ", ".join(CONFIG_HEADERS)
            raise BadRequest(f"{where}: unknown config {key[:40]!r}; known: {known}")
        if isinstance(value, bool):
            headers[header] = "true" if value else "false"
        elif isinstance(value, int | str):
            headers[header] = str(value)
        else:
            raise BadRequest(f"{where}: config {key} must be a number, string or bool")
    return headers
