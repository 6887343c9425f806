import gzip
import json

import pytest

from chalicelib.cache.record import CachedResponse, CacheFormatError, decode, encode

BINARY = bytes(range(256)) * 8


def _response(body: bytes = b'{"ok":true}') -> CachedResponse:
    return CachedResponse(
        status=200,
        headers={"Content-Type": "application/json", "x-request-id": "r1"},
        body=body,
        created_at=1000.5,
        expires_at=1060.5,
    )


@pytest.mark.parametrize("body", [b"", b'{"ok":true}\n', b"data: a\n\ndata: [DONE]\n\n", BINARY])
def test_round_trip(body: bytes) -> None:
    assert decode(encode(_response(body))) == _response(body)


def test_stored_form_is_gzip_with_header_line() -> None:
    raw = gzip.decompress(encode(_response(b"x" * 10_000)))
    header_line, _, body = raw.partition(b"\n")
    header = json.loads(header_line)
    assert header == {
        "kind": "aig-cache",
        "v": 1,
        "status": 200,
        "headers": {"Content-Type": "application/json", "x-request-id": "r1"},
        "content_type": "application/json",
        "created_at": 1000.5,
        "expires_at": 1060.5,
        "body_length": 10_000,
    }
    assert body == b"x" * 10_000
    assert len(encode(_response(b"x" * 10_000))) < 1000


def test_content_type_any_spelling() -> None:
    response = CachedResponse(200, {"content-type": "text/plain"}, b"", 0, 1)
    assert response.content_type == "text/plain"
    assert CachedResponse(200, {}, b"", 0, 1).content_type is None


def test_freshness_boundary() -> None:
    response = _response()
    assert response.is_fresh(1060.4)
    assert not response.is_fresh(1060.5)


@pytest.mark.parametrize(
    "blob",
    [
        b"not gzip",
        gzip.compress(b"not json\nbody"),
        gzip.compress(b'{"kind": "other", "v": 1}\nbody'),
        gzip.compress(b'{"kind": "aig-cache", "v": 2}\nbody'),
        gzip.compress(b"[1, 2]\nbody"),
        gzip.compress(b'{"kind": "aig-cache", "v": 1, "body_length": 4}\nbody'),
        encode(_response(b"abcdef"))[:-12],
    ],
)
def test_unreadable_objects_raise_format_error(blob: bytes) -> None:
    with pytest.raises(CacheFormatError):
        decode(blob)


def test_truncated_body_is_detected() -> None:
    raw = gzip.decompress(encode(_response(b"abcdef")))
    with pytest.raises(CacheFormatError, match="truncated"):
        decode(gzip.compress(raw[:-2]))
