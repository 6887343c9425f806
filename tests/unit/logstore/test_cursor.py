import pytest

from chalicelib.logstore.cursor import Cursor, InvalidCursor, decode_cursor, encode_cursor

SECRET = b"s3cret"


def test_round_trip() -> None:
    token = encode_cursor(Cursor("a/g/logs/desc", "01XYZ"), SECRET)
    assert decode_cursor(token, "a/g/logs/desc", SECRET).after_id == "01XYZ"


def test_cursor_of_another_gateway_is_refused() -> None:
    token = encode_cursor(Cursor("a/g1/logs/desc", "01XYZ"), SECRET)
    with pytest.raises(InvalidCursor, match="another gateway"):
        decode_cursor(token, "a/g2/logs/desc", SECRET)


@pytest.mark.parametrize("mangle", [lambda t: "x" + t, lambda t: t[:-2], lambda t: "junk"])
def test_tampered_cursor_is_refused(mangle) -> None:  # type: ignore[no-untyped-def]
    token = encode_cursor(Cursor("a/g/logs/desc", "01XYZ"), SECRET)
    with pytest.raises(InvalidCursor):
        decode_cursor(mangle(token), "a/g/logs/desc", SECRET)


def test_cursor_signed_with_another_secret_is_refused() -> None:
    token = encode_cursor(Cursor("a/g/logs/desc", "01XYZ"), b"other")
    with pytest.raises(InvalidCursor):
        decode_cursor(token, "a/g/logs/desc", SECRET)
