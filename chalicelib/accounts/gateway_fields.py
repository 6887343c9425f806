"""Validation of gateway settings sent to the management API (400 naming the field).

Read-only fields (those a gateway is answered with, and Cloudflare's) are ignored, so a
gateway read back can be sent back as it is; any other unknown field is refused, so that
a misspelt setting is never silently dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalicelib.accounts.gateway_shapes import NEWER_FIELDS
from chalicelib.accounts.ids import check_id
from chalicelib.accounts.models import CONFIG_FIELDS, READ_ONLY_FIELDS, Plan
from chalicelib.accounts.shapes import Shape
from chalicelib.api.errors import BadRequest

MAX_CACHE_TTL_S = 30 * 24 * 3600
MAX_RATE_LIMIT_INTERVAL_S = 24 * 3600
MAX_RETRY_DELAY_MS = 60_000
"""Longest delay between retries, for the gateway's `retry_delay` and `aig-retry-delay` alike
(the range the Cloudflare API documents for `retry_delay`)."""


def parse_settings(body: Any, plan: Plan, path_id: str | None = None) -> tuple[str, dict[str, Any]]:
    """Validate a create (path_id None) or update body; return the id and the settings."""
    if not isinstance(body, dict):
        raise BadRequest("the request body must be a JSON object")
    if path_id is None:
        if "id" not in body:
            raise BadRequest("id is required")
        the_id = check_id(body["id"], "id")
    else:
        the_id = path_id
        if "id" in body and body["id"] != path_id:
            raise BadRequest("id in the body does not match the gateway in the path")
    settings: dict[str, Any] = {}
    for name, value in body.items():
        if name == "id" or name in READ_ONLY_FIELDS:
            continue
        check = _CHECKS.get(name)
        if check is None:
            supported = ", ".join(CONFIG_FIELDS)
            raise BadRequest(f"unsupported field {name[:64]!r}; supported: id, {supported}")
        settings[name] = check(name, value, plan)
    return the_id, settings


def _bool(name: str, value: Any, plan: Plan) -> bool:
    if not isinstance(value, bool):
        raise BadRequest(f"{name} must be true or false")
    return value


def _int_range(low: int, high: int, nullable: bool = True) -> Callable[[str, Any, Plan], Any]:
    def check(name: str, value: Any, plan: Plan) -> int | None:
        if value is None and nullable:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise BadRequest(f"{name} must be an integer from {low} to {high}")
        return value

    return check


def _choice(*choices: str) -> Callable[[str, Any, Plan], Any]:
    def check(name: str, value: Any, plan: Plan) -> str | None:
        if value is None:
            return None
        if value not in choices:
            raise BadRequest(f"{name} must be one of {', '.join(choices)}")
        return value

    return check


def _log_management(name: str, value: Any, plan: Plan) -> int | None:
    if value is None:
        return None
    low, high = plan.gateway_log_range
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise BadRequest(
            f"log_management must be an integer from {low:,} to {high:,} on the {plan.name} plan"
        )
    return value


def _shaped(shape: Shape) -> Callable[[str, Any, Plan], Any]:
    def check(name: str, value: Any, plan: Plan) -> Any:
        return shape(value, name)

    return check


_CHECKS: dict[str, Callable[[str, Any, Plan], Any]] = {
    "collect_logs": _bool,
    "cache_ttl": _int_range(0, MAX_CACHE_TTL_S),
    "cache_invalidate_on_update": _bool,
    "cache_key_includes_credentials": _bool,
    "rate_limiting_interval": _int_range(0, MAX_RATE_LIMIT_INTERVAL_S),
    "rate_limiting_limit": _int_range(0, 10**9),
    "rate_limiting_technique": _choice("fixed", "sliding"),
    "authentication": _bool,
    "log_management": _log_management,
    "log_management_strategy": _choice("STOP_INSERTING", "DELETE_OLDEST"),
    "retry_max_attempts": _int_range(1, 5),
    "retry_delay": _int_range(0, MAX_RETRY_DELAY_MS),
    "retry_backoff": _choice("constant", "linear", "exponential"),
    **{name: _shaped(shape) for name, shape in NEWER_FIELDS.items()},
}
