"""Path parameters are percent-decoded once and validated (chalicelib/edge/paths.py)."""

import pytest

from chalicelib.edge.paths import check_segments, decode_params, decode_segment
from chalicelib.errors import BadRequest, NotFound


@pytest.mark.parametrize(
    ("raw", "decoded"),
    [
        ("completion%73", "completions"),
        ("%2573", "%73"),  # once: a literal "%73" stays literal
        ("a%2Fb", "a/b"),  # one segment; encoded again upstream
        ("gemini-1.5%3AgenerateContent", "gemini-1.5:generateContent"),
        ("...", "..."),
    ],
)
def test_segments_are_decoded_once(raw: str, decoded: str) -> None:
    assert decode_segment(raw) == decoded


@pytest.mark.parametrize(
    "raw", ["..", ".", "%2e%2e", "%2E", ".%2e", "a%2F..%2Fb", "..%5Cx", "a%00b", "%0d%0a", "%ff"]
)
def test_dot_segments_control_characters_and_bad_utf8_are_400(raw: str) -> None:
    with pytest.raises(BadRequest):
        decode_segment(raw)


def test_decoded_segments_from_a_body_are_checked_too() -> None:
    assert check_segments(["v1", "chat"]) == ["v1", "chat"]
    with pytest.raises(BadRequest):
        check_segments(["v1", "..", "x"])


def test_ids_are_decoded_and_ids_that_cannot_exist_are_404() -> None:
    params = {
        "account_id": "de%6Do",
        "gateway_id": "def%61ult",
        "log_id": "01KDVDNACFD8ZVE8NRE60E46ZE",
    }
    assert decode_params(params) == {
        "account_id": "demo",
        "gateway_id": "default",
        "log_id": "01KDVDNACFD8ZVE8NRE60E46ZE",
    }
    for bad in ({"account_id": "a%20b"}, {"gateway_id": "UPPER"}, {"log_id": "not-a-ulid"}):
        with pytest.raises(NotFound) as caught:
            decode_params(bad)
        assert next(iter(bad.values())) not in caught.value.message
