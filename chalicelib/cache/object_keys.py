"""Cache keys: which parts of a request select a cached answer, hashed with sha256.

A key is the S3 object name `cache/{account}/{gateway}/{generation}/{sha256 hex}`. The
digest covers the gateway (account, id, generation), then either the request (provider,
method, path, query, VARYING_HEADERS, body) or the client's `aig-cache-key`, and, only when
asked, a hash of the client's credentials. The raw material is never stored anywhere.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Iterable, Mapping
from urllib.parse import quote

CACHE_PREFIX = "cache/"
"""Prefix of every cache object in the bucket (log bodies live under `{account}/`)."""

VARYING_HEADERS = (
    "anthropic-beta",
    "anthropic-version",
    "content-type",
    "openai-beta",
    "openai-organization",
    "openai-project",
)
"""Request headers that change the provider's answer, so they are part of the key. Others
(user-agent, accept, SDK telemetry such as x-stainless-* or x-goog-api-client) are not."""

CREDENTIAL_HEADERS = ("api-key", "authorization", "x-api-key", "x-goog-api-key")
"""The client's provider credentials: left out of the key unless `key_includes_credentials`."""

CREDENTIAL_QUERY_PARAMS = frozenset({"key"})
"""Query parameters that carry a credential (Google's `?key=`): treated like CREDENTIAL_HEADERS."""

_VERSION = b"aig-cache-key/v1"


def gateway_prefix(account_id: str, gateway_id: str) -> str:
    """The prefix of every cache object of one gateway (all generations)."""
    if not account_id or not gateway_id:
        raise ValueError("account_id and gateway_id must not be empty")
    return f"{CACHE_PREFIX}{quote(account_id, safe='')}/{quote(gateway_id, safe='')}/"


def cache_key(
    account_id: str,
    gateway_id: str,
    generation: int,
    *,
    provider: str,
    method: str,
    path: str,
    query: Iterable[tuple[str, str]],
    headers: Mapping[str, str],
    body: bytes,
    custom_key: str | None = None,
    key_includes_credentials: bool = False,
) -> str:
    """The S3 object name of the cached answer to one request.

    `custom_key` (from `aig-cache-key`) replaces the request-derived parts but stays scoped
    to the gateway and its generation (and to the credentials when they are included).
    Bumping `generation` gives every request of the gateway a new key: an O(1) invalidation.
    """
    if generation < 0:
        raise ValueError(f"generation must be 0 or more, got {generation}")
    prefix = gateway_prefix(account_id, gateway_id)
    lowered = {name.lower(): value for name, value in headers.items()}
    pairs = list(query)
    digest = hashlib.sha256(_VERSION)
    feed = functools.partial(_feed, digest.update)
    feed(account_id, gateway_id, str(generation))
    if custom_key is not None:
        feed("custom", custom_key)
    else:
        feed("request", provider, method.upper(), path)
        kept = [(n, v) for n, v in pairs if n not in CREDENTIAL_QUERY_PARAMS]
        feed("query", str(len(kept)), *(part for pair in kept for part in pair))
        for name in VARYING_HEADERS:
            if name in lowered:
                feed("header", name, lowered[name].strip())
        feed("body", body)
    if key_includes_credentials:
        secrets = [(n, lowered[n]) for n in CREDENTIAL_HEADERS if n in lowered]
        secrets += [(f"?{n}", v) for n, v in pairs if n in CREDENTIAL_QUERY_PARAMS]
        feed("credentials", str(len(secrets)))  # keys never collide across the two modes
        for name, value in secrets:
            feed("credential", name, hashlib.sha256(_utf8(value)).hexdigest())
    return f"{prefix}{generation}/{digest.hexdigest()}"


def _utf8(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


def _feed(update: Callable[[bytes], object], *parts: str | bytes) -> None:
    """Add length-prefixed parts, so that no two different part lists hash alike."""
    for part in parts:
        data = _utf8(part) if isinstance(part, str) else part
        update(len(data).to_bytes(8, "big"))
        update(data)
