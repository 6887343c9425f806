"""Account and gateway ids (chalicelib/accounts/ids.py)."""

from __future__ import annotations

import pytest

from chalicelib.accounts.ids import check_id
from chalicelib.errors import BadRequest


@pytest.mark.parametrize("value", ["a", "team-a", "0_9", "a" * 64])
def test_valid_ids_pass(value: str) -> None:
    assert check_id(value, "id") == value


@pytest.mark.parametrize("value", ["", "A", "-a", "a" * 65, "a/b", "a\n", "a\nb", 7, None])
def test_other_ids_are_400(value: object) -> None:
    """`a\\n` too (a regex `$` matches before a final newline): such a gateway could be
    created but never read, updated or deleted, as no path can name it."""
    with pytest.raises(BadRequest, match="id must be"):
        check_id(value, "id")
