"""Which data-plane route a raw request path names."""

from __future__ import annotations

from dataclasses import dataclass

MAX_PROXY_DEPTH = 8
"""Path segments after the provider slug (as on the Chalice routes)."""
PROXY_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
UNIVERSAL_METHODS = ("POST",)


@dataclass(frozen=True)
class Route:
    """A matched route: its raw (percent-encoded) path parameters and allowed methods."""

    params: dict[str, str]
    methods: tuple[str, ...]


def match(raw_path: str) -> Route | None:
    """The route of `raw_path` (without its query), None when it is not a proxy route.

    `/v1/{account_id}/{gateway_id}` is the universal endpoint and
    `/v1/{account_id}/{gateway_id}/{provider}/{p1}/.../{pN}` (1 <= N <= 8) a provider path.
    """
    parts = raw_path.split("/")
    if len(parts) < 4 or parts[0] != "" or parts[1] != "v1" or "" in parts[2:]:
        return None
    params = {"account_id": parts[2], "gateway_id": parts[3]}
    if len(parts) == 4:
        return Route(params, UNIVERSAL_METHODS)
    segments = parts[5:]
    if not 1 <= len(segments) <= MAX_PROXY_DEPTH:
        return None
    params["provider"] = parts[4]
    params.update({f"p{i}": segment for i, segment in enumerate(segments, 1)})
    return Route(params, PROXY_METHODS)
