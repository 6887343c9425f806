"""Validation of gateway settings sent to the management API (400 naming the field).

Read-only fields (those a gateway is answered with, and Cloudflare's) are ignored, so a
gateway read back can be sent back as it is; any other unknown field is refused, so that
a misspelt setting is never silently dropped.
"""

from __future__ import annotations

from typing import Any

from chalicelib.accounts.ids import check_id
from chalicelib.accounts.models import CONFIG_FIELDS, READ_ONLY_FIELDS, Gateway
from chalicelib.accounts.plans import Plan
from chalicelib.accounts.settings_schema import checks
from chalicelib.errors import BadRequest

_CHECKS = checks(Gateway)


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
