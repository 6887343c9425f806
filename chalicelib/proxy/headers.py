"""Gateway request headers (`aig-*`, with `cf-aig-*` aliases) and header hygiene."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from chalicelib.api.errors import BadRequest
from chalicelib.api.metadata import check_metadata
from chalicelib.proxy.custom_cost import CustomCost, parse_custom_cost
from chalicelib.validation import InvalidInput, check_text, load_json

MAX_EVENT_ID_LENGTH = 128

_HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "trailers",
        "transfer-encoding",
        "upgrade",
        "host",
        "content-length",
    }
)
_NOT_FORWARDED_UPSTREAM = _HOP_BY_HOP | {"accept-encoding", "via", "forwarded"}
_NOT_RELAYED_DOWNSTREAM = _HOP_BY_HOP | {"content-encoding", "date", "server"}
_INTERNAL_PREFIXES = ("aig-", "cf-aig-", "x-forwarded-", "x-amzn-", "x-amz-cf-")


@dataclass(frozen=True)
class GatewayOptions:
    """Per-request gateway options read from the request headers."""

    collect_log: bool = True
    collect_log_payload: bool = True
    event_id: str | None = None
    metadata: dict[str, str | int | float | bool] = field(default_factory=dict)
    custom_cost: CustomCost | None = None
    """`aig-custom-cost`: per-token prices that replace the price table's."""


def aig_header(headers: Mapping[str, str], name: str) -> str | None:
    """Value of `aig-<name>` or its Cloudflare alias `cf-aig-<name>` (lower-case keys)."""
    value = headers.get(f"aig-{name}")
    return value if value is not None else headers.get(f"cf-aig-{name}")


def parse_options(headers: Mapping[str, str]) -> GatewayOptions:
    """Read the gateway options of one request; raise BadRequest naming a bad header."""
    event_id = aig_header(headers, "event-id")
    if event_id is not None:
        try:
            check_text(event_id, MAX_EVENT_ID_LENGTH)
        except InvalidInput as exc:
            raise BadRequest(f"aig-event-id {exc}") from None
    return GatewayOptions(
        collect_log=_parse_bool(headers, "collect-log", default=True),
        collect_log_payload=_parse_bool(headers, "collect-log-payload", default=True),
        event_id=event_id,
        metadata=_parse_metadata(aig_header(headers, "metadata")),
        custom_cost=parse_custom_cost(aig_header(headers, "custom-cost")),
    )


def upstream_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Headers to send to the provider: the client's own, minus transport and gateway ones."""
    return {
        name: value
        for name, value in headers.items()
        if name.lower() not in _NOT_FORWARDED_UPSTREAM
        and not name.lower().startswith(_INTERNAL_PREFIXES)
    }


def downstream_headers(headers: list[tuple[str, str]]) -> dict[str, str | list[str]]:
    """Provider response headers to relay to the client (Content-Type spelled for Chalice)."""
    relayed: dict[str, str | list[str]] = {}
    for name, value in headers:
        lower = name.lower()
        if lower in _NOT_RELAYED_DOWNSTREAM:
            continue
        key = "Content-Type" if lower == "content-type" else lower
        existing = relayed.get(key)
        if existing is None:
            relayed[key] = value
        elif isinstance(existing, list):
            existing.append(value)
        else:
            relayed[key] = [existing, value]
    return relayed


def _parse_bool(headers: Mapping[str, str], name: str, default: bool) -> bool:
    raw = aig_header(headers, name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in ("true", "1"):
        return True
    if value in ("false", "0"):
        return False
    raise BadRequest(f"aig-{name} must be true or false")


def _parse_metadata(raw: str | None) -> dict[str, str | int | float | bool]:
    if raw is None:
        return {}
    try:
        metadata = load_json(raw)
    except InvalidInput as exc:
        raise BadRequest(f"aig-metadata {exc}; it must be a JSON object") from None
    return check_metadata(metadata, "aig-metadata")
