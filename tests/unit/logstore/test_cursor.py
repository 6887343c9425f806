import pytest

from chalicelib.logstore.cursor import Cursor, InvalidCursor, decode_cursor, encode_cursor

SECRET = b"s3cret"
LOG_ID = "01J00000000000000000000000"


def test_round_trip() -> None:
    token = encode_cursor(Cursor("a/g/logs/desc", LOG_ID), SECRET)
    assert decode_cursor(token, "a/g/logs/desc", SECRET).after_id == LOG_ID


def test_cursor_of_another_gateway_is_refused() -> None:
    token = encode_cursor(Cursor("a/g1/logs/desc", LOG_ID), SECRET)
    with pytest.raises(InvalidCursor, match="another gateway"):
        decode_cursor(token, "a/g2/logs/desc", SECRET)


@pytest.mark.parametrize("mangle", [lambda t: "x" + t, lambda t: t[:-2], lambda t: "junk"])
def test_tampered_cursor_is_refused(mangle) -> None:  # type: ignore[no-untyped-def]
    token = encode_cursor(Cursor("a/g/logs/desc", LOG_ID), SECRET)
    with pytest.raises(InvalidCursor):
        decode_cursor(mangle(token), "a/g/logs/desc", SECRET)


def test_cursor_signed_with_another_secret_is_refused() -> None:
    token = encode_cursor(Cursor("a/g/logs/desc", LOG_ID), b"other")
    with pytest.raises(InvalidCursor):
        decode_cursor(token, "a/g/logs/desc", SECRET)


@pytest.mark.parametrize(
    ("after_id", "after_value"),
    [(5, None), (None, None), (["01J"], None), ("x" * 2_000, None), (LOG_ID, [1]), (LOG_ID, {})],
)
def test_signed_cursor_of_the_wrong_types_is_refused(after_id: object, after_value: object) -> None:
    """A client who knows the secret (the local default is public) cannot forge types."""
    token = encode_cursor(Cursor("a/g", after_id, after_value), SECRET)  # type: ignore[arg-type]
    with pytest.raises(InvalidCursor, match="malformed"):
        decode_cursor(token, "a/g", SECRET)


@pytest.mark.parametrize("token", ["\u20ac.\u20ac", "x" * 5_000, "." * 10])
def test_cursor_that_is_not_ascii_or_not_ours_is_refused(token: str) -> None:
    with pytest.raises(InvalidCursor):
        decode_cursor(token, "a/g", SECRET)
