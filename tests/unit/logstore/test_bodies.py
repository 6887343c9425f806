import gzip

from chalicelib.logstore.bodies import (
    MAX_BODY_BYTES,
    S3BodyStore,
    StoredBodies,
    body_key,
    decode,
    encode,
    truncate,
)

BINARY = bytes(range(256)) * 4


def test_encode_decode_round_trip_binary() -> None:
    bodies = StoredBodies(BINARY, b'{"ok":true}\n', "audio/wav", "application/json")
    assert decode(encode(bodies)) == bodies


def test_blob_is_gzip() -> None:
    blob = encode(StoredBodies(b"a" * 10_000, b"b" * 10_000))
    assert len(blob) < 500
    assert gzip.decompress(blob).endswith(b"b" * 10_000)


def test_truncate_caps_large_bodies() -> None:
    assert truncate(b"abc") == (b"abc", False)
    cut, truncated = truncate(b"x" * (MAX_BODY_BYTES + 5))
    assert truncated and len(cut) == MAX_BODY_BYTES


def test_s3_put_get_delete(bodies: S3BodyStore) -> None:
    key = body_key("acme", "main", "01ABC")
    assert key == "acme/main/01ABC"
    stored = StoredBodies(b"req", BINARY, "application/json", "application/octet-stream")
    bodies.put(key, stored)
    assert bodies.get(key) == stored
    bodies.delete([key])
    assert bodies.get(key) is None
