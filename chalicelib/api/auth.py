"""Authentication of control-plane requests (management, logs and analytics APIs).

A request carries `Authorization: Bearer <API token>`, and the token must belong to the
account in its path. A token of another account sees a 404, as if the account were absent.
"""

from __future__ import annotations

from collections.abc import Callable

from chalicelib.accounts import bearer_token
from chalicelib.errors import NotFound, Unauthorized


class AccountAuth:
    """Checks that a request's bearer token belongs to the account it addresses."""

    def __init__(self, token_owner: Callable[[str], str | None]) -> None:
        """`token_owner(token)` is the id of the account owning the token, or None
        (AccountStore.account_of_token)."""
        self._token_owner = token_owner

    def authenticate(self, authorization: str | None, account_id: str) -> None:
        """Return if `authorization` holds a token of `account_id`; raise Unauthorized for a
        missing or unknown token, NotFound for a token of another account."""
        token = bearer_token(authorization)
        if token is None:
            raise Unauthorized("missing bearer token: send Authorization: Bearer <API token>")
        owner = self._token_owner(token)
        if owner is None:
            raise Unauthorized("invalid API token")
        if owner != account_id:
            raise NotFound(f"account {account_id} not found")
