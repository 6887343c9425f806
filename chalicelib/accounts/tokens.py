"""Account API tokens: random, shown once, stored only as a SHA-256 hash.

Tokens carry 256 bits of randomness, so a fast hash is safe here (no password
stretching needed) and keeps the per-request lookup to one GetItem.
"""

from __future__ import annotations

import hashlib
import secrets

TOKEN_PREFIX = "aig_"


def new_token() -> str:
    """Return a fresh random API token (to show once to its owner)."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization`-style value `Bearer <token>` (any case, spaces
    around it ignored), None when the value is absent or of another scheme."""
    scheme, _, token = (authorization or "").strip().partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def hash_token(token: str) -> str:
    """Return the hex SHA-256 of a token: the only form that is stored."""
    return hashlib.sha256(token.encode()).hexdigest()


def token_pk(token_hash: str) -> str:
    """Control-table partition of one token."""
    return f"TOKEN#{token_hash}"


TOKEN_SK = "#TOKEN"
