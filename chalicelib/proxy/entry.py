"""One proxied request from either entry point (the Chalice routes, the streaming data
plane): raw path parameters in, the client's answer out, every failure answered.

Errors come in the Cloudflare envelope, on the unified API (`compat`) in OpenAI's shape.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from urllib.parse import unquote

from chalicelib.edge import as_api_error, decode_params
from chalicelib.proxy import unified
from chalicelib.proxy.exchange import ProxyRequest, ProxyResponse, envelope_error
from chalicelib.proxy.service import ProxyService


def proxy_answer(
    service: ProxyService,
    params: Mapping[str, str],
    *,
    method: str,
    headers: Mapping[str, str],
    body: bytes,
    query: Sequence[tuple[str, str]],
) -> ProxyResponse:
    """Answer one request. `params` are the raw (percent-encoded) path parameters:
    `account_id`, `gateway_id`, and for a provider path `provider` and its segments
    `p1`..`pN`; without `provider` it is the universal endpoint. `headers` have lower-case
    names."""
    try:
        decoded = decode_params(params)
        request = ProxyRequest(
            account_id=decoded["account_id"],
            gateway_id=decoded["gateway_id"],
            provider=decoded.get("provider", ""),
            path_segments=_segments(decoded),
            method=method,
            headers=headers,
            body=body,
            query=list(query),
        )
        if "provider" not in decoded:
            return service.handle_universal(request)
        return service.handle(request)
    except Exception as exc:
        error = as_api_error(exc, "proxy")
        if unquote(params.get("provider", "")) == unified.COMPAT:
            return unified.openai_error(error)
        return envelope_error(error)


def _segments(params: Mapping[str, str]) -> list[str]:
    """`p1`, `p2`, ... in order, as many as there are."""
    segments: list[str] = []
    while (segment := params.get(f"p{len(segments) + 1}")) is not None:
        segments.append(segment)
    return segments
