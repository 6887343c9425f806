"""Account API tokens."""

from __future__ import annotations

import pytest

from chalicelib.accounts.tokens import bearer_token


@pytest.mark.parametrize(
    ("value", "token"),
    [
        ("Bearer aig_x", "aig_x"),
        ("  bearer   aig_x  ", "aig_x"),
        ("BEARER aig_x", "aig_x"),
        ("Basic aig_x", None),
        ("Bearer ", None),
        ("Bearer", None),
        ("", None),
        (None, None),
    ],
)
def test_bearer_token(value: str | None, token: str | None) -> None:
    assert bearer_token(value) == token
