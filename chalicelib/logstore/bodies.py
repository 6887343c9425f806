"""Request and response bodies of a log, gzip'ed together in one S3 object."""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the boto3 type stubs are a development dependency only
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import GetObjectRequestTypeDef

MAX_BODY_BYTES = 10 * 1024 * 1024
"""Bodies beyond this size are stored truncated (and the record says so)."""

_FORMAT_VERSION = 1


@dataclass(frozen=True)
class StoredBodies:
    """The two bodies of one log as they were sent and received."""

    request: bytes
    response: bytes
    request_content_type: str | None = None
    response_content_type: str | None = None


def body_key(account_id: str, gateway_id: str, log_id: str) -> str:
    """Return the S3 key of one log's bodies."""
    return f"{account_id}/{gateway_id}/{log_id}"


def truncate(body: bytes) -> tuple[bytes, bool]:
    """Cap `body` at MAX_BODY_BYTES; return it and whether it was cut."""
    if len(body) <= MAX_BODY_BYTES:
        return body, False
    return body[:MAX_BODY_BYTES], True


def encode(bodies: StoredBodies) -> bytes:
    """Pack both bodies into one gzip'ed blob: a JSON header line, then the raw bytes."""
    header = {
        "v": _FORMAT_VERSION,
        "request_length": len(bodies.request),
        "response_length": len(bodies.response),
        "request_content_type": bodies.request_content_type,
        "response_content_type": bodies.response_content_type,
    }
    raw = json.dumps(header).encode() + b"\n" + bodies.request + bodies.response
    return gzip.compress(raw, compresslevel=6)


def decode(blob: bytes) -> StoredBodies:
    """Unpack a blob written by `encode`."""
    raw = gzip.decompress(blob)
    header_line, _, payload = raw.partition(b"\n")
    header = json.loads(header_line)
    split = header["request_length"]
    return StoredBodies(
        request=payload[:split],
        response=payload[split : split + header["response_length"]],
        request_content_type=header.get("request_content_type"),
        response_content_type=header.get("response_content_type"),
    )


class S3BodyStore:
    """Puts and gets log bodies in one bucket."""

    def __init__(self, s3: S3Client, bucket: str) -> None:
        self._s3 = s3
        self._bucket = bucket

    def put(self, key: str, bodies: StoredBodies) -> None:
        """Store both bodies of one log under `key` (idempotent: same key, same bytes)."""
        self._s3.put_object(
            Bucket=self._bucket,
            Key=key,
            Body=encode(bodies),
            ContentType="application/octet-stream",
            ContentEncoding="identity",
        )

    def put_pack(self, key: str, blob: bytes) -> None:
        """Store a pack: the encoded bodies of many logs back to back (see `pack`)."""
        self._s3.put_object(
            Bucket=self._bucket, Key=key, Body=blob, ContentType="application/octet-stream"
        )

    def get(
        self, key: str, offset: int | None = None, length: int | None = None
    ) -> StoredBodies | None:
        """Return the bodies stored under `key` (or at `offset`, `length` bytes, in a pack),
        or None when there are none."""
        request: GetObjectRequestTypeDef = {"Bucket": self._bucket, "Key": key}
        if offset is not None and length:
            request["Range"] = f"bytes={offset}-{offset + length - 1}"
        try:
            obj = self._s3.get_object(**request)
        except self._s3.exceptions.NoSuchKey:
            return None
        return decode(obj["Body"].read())

    def delete(self, keys: list[str]) -> None:
        """Delete the bodies under `keys` (1000 per request, as S3 allows)."""
        for start in range(0, len(keys), 1000):
            chunk = keys[start : start + 1000]
            self._s3.delete_objects(
                Bucket=self._bucket,
                Delete={"Objects": [{"Key": k} for k in chunk], "Quiet": True},
            )
