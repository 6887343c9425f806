"""Opaque pagination cursors, signed so a tampered or foreign cursor is refused."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass

from chalicelib.logstore.ids import is_log_id
from chalicelib.validation import load_json


class InvalidCursor(ValueError):
    """The cursor was not issued by this deployment for this gateway and query."""


@dataclass(frozen=True)
class Cursor:
    """Where the next page starts: strictly after (`after_value`, `after_id`) in the
    listing order of the query `scope` names (the value only for non-time orders)."""

    scope: str
    after_id: str
    after_value: str | int | float | bool | None = None


def encode_cursor(cursor: Cursor, secret: bytes) -> str:
    """Return the opaque, URL-safe form of a cursor."""
    payload = json.dumps(
        {"s": cursor.scope, "a": cursor.after_id, "v": cursor.after_value}, separators=(",", ":")
    )
    body = base64.urlsafe_b64encode(payload.encode()).rstrip(b"=")
    return f"{body.decode()}.{_sign(body, secret)}"


def decode_cursor(token: str, scope: str, secret: bytes) -> Cursor:
    """Parse and verify a cursor issued for `scope`; raise InvalidCursor otherwise."""
    body, _, signature = token.partition(".")
    if not (
        token.isascii() and body and hmac.compare_digest(signature, _sign(body.encode(), secret))
    ):
        raise InvalidCursor("cursor is malformed or was altered")
    try:
        padded = body + "=" * (-len(body) % 4)
        payload = load_json(base64.urlsafe_b64decode(padded))
        cursor = Cursor(scope=payload["s"], after_id=payload["a"], after_value=payload.get("v"))
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidCursor("cursor is malformed") from exc
    if not _well_typed(cursor):
        raise InvalidCursor("cursor is malformed")
    if cursor.scope != scope:
        raise InvalidCursor("cursor belongs to another gateway or query")
    return cursor


def _well_typed(cursor: Cursor) -> bool:
    """True when the fields have the types encode_cursor writes."""
    return (
        isinstance(cursor.scope, str)
        and isinstance(cursor.after_id, str)
        and is_log_id(cursor.after_id)
        and isinstance(cursor.after_value, str | int | float | bool | None)
    )


def _sign(body: bytes, secret: bytes) -> str:
    digest = hmac.new(secret, body, hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
