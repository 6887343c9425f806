"""The universal endpoint's body: a JSON array of steps tried in order (fallbacks).

Each step is `{provider, endpoint, headers, query, config?}` as Cloudflare defines it:
`endpoint` is the path after the provider slug (e.g. "chat/completions", optionally with a
`?query`), `headers` the provider headers of that step, `query` the provider request body
(a JSON object) and `config` per-step gateway options (requestTimeout, maxAttempts,
retryDelay, backoff, cacheTtl, skipCache, cacheKey), read as the matching `aig-*` headers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, unquote

from chalicelib.api.errors import BadRequest

MAX_STEPS = 10

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
        steps = json.loads(body or b"null")
    except ValueError as exc:
        raise BadRequest("the universal endpoint takes a JSON array of steps") from exc
    if isinstance(steps, dict):
        steps = [steps]
    if not isinstance(steps, list) or not steps:
        raise BadRequest("the universal endpoint takes a non-empty JSON array of steps")
    if len(steps) > MAX_STEPS:
        raise BadRequest(f"the universal endpoint takes at most {MAX_STEPS} steps")
    return [_step(index, step) for index, step in enumerate(steps)]


def _step(index: int, step: Any) -> UniversalStep:
    where = f"step {index}"
    if not isinstance(step, dict):
        raise BadRequest(f"{where} must be an object with provider, endpoint and query")
    unknown = set(step) - {"provider", "endpoint", "headers", "query", "config"}
    if unknown:
        raise BadRequest(f"{where} has unknown fields: {', '.join(sorted(unknown))}")
    provider, endpoint = step.get("provider"), step.get("endpoint")
    if not isinstance(provider, str) or not provider:
        raise BadRequest(f"{where}: provider must be a provider slug such as 'openai'")
    if not isinstance(endpoint, str) or not endpoint.strip("/"):
        raise BadRequest(f"{where}: endpoint must be a path such as 'chat/completions'")
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


def _headers(where: str, raw: Any) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in raw.items()
    ):
        raise BadRequest(f"{where}: headers must be an object of string values")
    return {name.lower(): value for name, value in raw.items()}


def _config(where: str, raw: Any) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise BadRequest(f"{where}: config must be an object")
    headers: dict[str, str] = {}
    for key, value in raw.items():
        header = CONFIG_HEADERS.get(key)
        if header is None:
            known = ", ".join(CONFIG_HEADERS)
            raise BadRequest(f"{where}: unknown config {key!r}; known: {known}")
        if isinstance(value, bool):
            headers[header] = "true" if value else "false"
        elif isinstance(value, int | str):
            headers[header] = str(value)
        else:
            raise BadRequest(f"{where}: config {key} must be a number, string or bool")
    return headers
