"""Where exported objects go: a local folder or an S3 prefix, each object replaced whole."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from chalicelib import aws

if TYPE_CHECKING:  # the boto3 type stubs are a development dependency only
    from mypy_boto3_s3 import S3Client

S3_SCHEME = "s3://"
_DELETE_CHUNK = 1000
"""Keys per DeleteObjects call (S3's limit)."""


class Destination(Protocol):
    """A place that holds objects by key (keys use `/`)."""

    def put(self, key: str, data: bytes) -> None:
        """Store `data` under `key`, replacing what was there at once (never half)."""

    def delete(self, keys: Sequence[str]) -> None:
        """Remove the objects under `keys` (those that do not exist are no error)."""

    def url(self, key: str) -> str:
        """Where `key` is, for people (a path or an s3:// URL)."""


class LocalDir:
    """A folder of the local file system."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def put(self, key: str, data: bytes) -> None:
        path = self.root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, scratch = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.replace(scratch, path)  # readers see the old file or the new, never half
        except BaseException:
            Path(scratch).unlink(missing_ok=True)
            raise

    def delete(self, keys: Sequence[str]) -> None:
        for key in keys:
            (self.root / key).unlink(missing_ok=True)

    def url(self, key: str) -> str:
        return str(self.root / key)


class S3Prefix:
    """A prefix of an S3 bucket (PutObject replaces an object atomically)."""

    def __init__(self, s3: S3Client, bucket: str, prefix: str = "") -> None:
        self._s3 = s3
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""

    def put(self, key: str, data: bytes) -> None:
        self._s3.put_object(
            Bucket=self.bucket,
            Key=self.prefix + key,
            Body=data,
            ContentType="application/vnd.apache.parquet",
        )

    def delete(self, keys: Sequence[str]) -> None:
        for start in range(0, len(keys), _DELETE_CHUNK):
            chunk = keys[start : start + _DELETE_CHUNK]
            self._s3.delete_objects(
                Bucket=self.bucket,
                Delete={"Objects": [{"Key": self.prefix + key} for key in chunk], "Quiet": True},
            )

    def url(self, key: str) -> str:
        return f"{S3_SCHEME}{self.bucket}/{self.prefix}{key}"


def open_destination(target: str, s3: S3Client | None = None) -> Destination:
    """`s3://bucket/prefix` (with `s3`, else this process's S3 client) or a local folder."""
    if not target.startswith(S3_SCHEME):
        return LocalDir(target)
    bucket, _, prefix = target.removeprefix(S3_SCHEME).partition("/")
    if not bucket:
        raise ValueError(f"no bucket in {target!r}: use s3://bucket/prefix")
    return S3Prefix(s3 or aws.client("s3"), bucket, prefix)
