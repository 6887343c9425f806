"""Request headers for a translated call: the provider's own auth header and version."""

from __future__ import annotations

from collections.abc import Mapping

from chalicelib.providers import Wire

_DROPPED = frozenset({"content-length", "content-type"})
"""Describe the client's body, not the translated one."""


def provider_headers(wire: Wire, headers: Mapping[str, str]) -> dict[str, str]:
    """The client's headers adapted to the provider's wire (names of changed ones lower-case).

    The body is re-encoded, so Content-Type is set to JSON and Content-Length dropped. For
    wires with a `key_header` (Anthropic: `x-api-key`, Google: `x-goog-api-key`),
    `Authorization: Bearer K` becomes that header unless the client already sent it, and the
    wire's `default_headers` (Anthropic: `anthropic-version`) are added unless sent.
    """
    result = {name: value for name, value in headers.items() if name.lower() not in _DROPPED}
    result["content-type"] = "application/json"
    key_header = wire.key_header
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
    for name, value in wire.default_headers.items():
        if name not in lower:
            result[name] = value
    return result
