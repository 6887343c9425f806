"""The proxy pipeline: one client request admitted, its options read, rate limited, answered
from the cache or by attempts upstream (retries, fallback steps, the unified API), relayed as
it arrives and logged. `proxy_answer` (entry.py) answers a request from either entry point.
Spend and token limits: spend.py over chalicelib.budget.
Imports the packages below it (accounts, cache, ratelimit, budget, logstore, compat, providers,
edge, errors, validation); never chalicelib.api or chalicelib.wiring."""

from chalicelib.proxy.auth import GatewayAuth
from chalicelib.proxy.custom import CustomProviders
from chalicelib.proxy.entry import proxy_answer
from chalicelib.proxy.exchange import ProxyRequest, ProxyResponse
from chalicelib.proxy.gateway_cache import GatewayCache
from chalicelib.proxy.relay import Relay
from chalicelib.proxy.service import ProxyService
from chalicelib.proxy.spend import SpendGuard
from chalicelib.proxy.stored_keys import StoredKeys
from chalicelib.proxy.upstream import UpstreamClient

__all__ = [
    "CustomProviders",
    "GatewayAuth",
    "GatewayCache",
    "ProxyRequest",
    "ProxyResponse",
    "ProxyService",
    "Relay",
    "SpendGuard",
    "StoredKeys",
    "UpstreamClient",
    "proxy_answer",
]
