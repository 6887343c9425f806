"""AccountAuth: a control-plane request's bearer token must belong to its account."""

from __future__ import annotations

import pytest

from chalicelib.api.auth import AccountAuth
from chalicelib.errors import ApiError, NotFound, Unauthorized

AUTH = AccountAuth({"aig_acme": "acme", "aig_globex": "globex"}.get)


def test_a_token_of_the_account_passes() -> None:
    AUTH.authenticate("Bearer aig_acme", "acme")
    AUTH.authenticate("  bearer   aig_acme ", "acme")


@pytest.mark.parametrize(
    ("authorization", "error", "message"),
    [
        (None, Unauthorized, "missing bearer token"),
        ("", Unauthorized, "missing bearer token"),
        ("Basic aig_acme", Unauthorized, "missing bearer token"),
        ("Bearer aig_unknown", Unauthorized, "invalid API token"),
        ("Bearer aig_globex", NotFound, "account acme not found"),
    ],
)
def test_other_requests_are_refused(
    authorization: str | None, error: type[ApiError], message: str
) -> None:
    with pytest.raises(error, match=message):
        AUTH.authenticate(authorization, "acme")
