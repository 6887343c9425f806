"""Cloudflare API paths the gateway knows but does not serve yet: answered 404 in the
envelope, with a message saying so (never a framework error)."""

from __future__ import annotations

from typing import NoReturn

from chalicelib.errors import NotFound

DYNAMIC_ROUTING = (
    "dynamic routing is not supported yet: use the universal endpoint's fallback steps"
    " (POST /v1/{account_id}/{gateway_id})"
)


def dynamic_routing() -> NoReturn:
    """Every `.../gateways/{g}/routes...` path (the SDK's `dynamic_routing`)."""
    raise NotFound(DYNAMIC_ROUTING)
