"""Request headers for a translated call: the provider's own auth header and version."""

from __future__ import annotations

from collections.abc import Mapping

ANTHROPIC_VERSION = "2023-06-01"

_KEY_HEADERS = {"anthropic": "x-api-key", "google": "x-goog-api-key"}
"""Where providers with their own wire expect the API key an OpenAI client sends as Bearer."""
_DROPPED = frozenset({"content-length", "content-type"})
"""Describe the client's body, not the translated one."""


def provider_headers(wire: str, headers: Mapping[str, str]) -> dict[str, str]:
    """The client's headers adapted to the provider's wire (names of changed ones lower-case).

    The body is re-encoded, so Content-Type is set to JSON and Content-Length dropped. For
    Anthropic and Google, `Authorization: Bearer K` becomes `x-api-key: K` / `x-goog-api-key: K`
    unless the client already sent that header; Anthropic also gets a default
    `anthropic-version`.
    """
    result = {name: value for name, value in headers.items() if name.lower() not in _DROPPED}
    result["content-type"] = "application/json"
    key_header = _KEY_HEADERS.get(wire)
    if key_header is None:
        return result
    lower = {name.lower(): name for name in result}
    authorization = lower.get("authorization")
    if authorization is not None:
        scheme, _, token = result[authorization].strip().partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            del result[authorization]
            if key_header not in lower:
                result[key_header] = token.strip()
    if wire == "anthropic" and "anthropic-version" not in lower:
        result["anthropic-version"] = ANTHROPIC_VERSION
    return result
