"""Where `aig export` writes: a local folder or `s3://bucket/prefix`, checked before any log
is read, so a bad `--to` is one clear line (exit 2) rather than a failure halfway.

S3 goes through boto3's default credential chain and settings (AWS_PROFILE, AWS_ACCESS_KEY_ID,
AWS_ENDPOINT_URL, ...); boto3 is imported only when the command runs.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from aig_cli.errors import CliError, UsageError

if TYPE_CHECKING:  # the boto3 type stubs are a development dependency only
    from mypy_boto3_s3 import S3Client

S3_SCHEME = "s3://"
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
"""S3's bucket names: 3 to 63 lowercase letters, digits, dots and hyphens."""
DELETE_BATCH = 1000
"""Keys removed in one go (one S3 DeleteObjects call)."""
NO_CREDENTIALS = (
    "no AWS credentials (the AWS SDK's default chain: AWS_PROFILE, AWS_ACCESS_KEY_ID and "
    "AWS_SECRET_ACCESS_KEY, ~/.aws, an instance or container role)"
)


@dataclass(frozen=True)
class Folder:
    """A local folder (created when missing)."""

    path: Path

    @property
    def url(self) -> str:
        return str(self.path)


@dataclass(frozen=True)
class Bucket:
    """A key prefix ('' or ending in `/`) of an S3 bucket."""

    bucket: str
    prefix: str = ""

    @property
    def url(self) -> str:
        return f"{S3_SCHEME}{self.bucket}/{self.prefix}"


Target = Folder | Bucket


def parse_target(text: str) -> Target:
    """`--to`'s value: `s3://bucket[/prefix]` or a folder (absolute); UsageError for another
    URL scheme or a bucket name S3 would refuse."""
    if not text.strip():
        raise UsageError("--to is empty: give a folder or s3://bucket/prefix")
    if not text.startswith(S3_SCHEME):
        if _SCHEME.match(text):
            raise UsageError(f"--to takes a folder or an s3:// URL, not {text[:80]!r}")
        return Folder(Path(text).expanduser().absolute())
    bucket, _, prefix = text.removeprefix(S3_SCHEME).partition("/")
    if not _BUCKET.fullmatch(bucket):
        raise UsageError(
            f"--to {text[:80]!r}: not an S3 bucket name (3-63 lowercase letters, digits, "
            "dots, hyphens); use s3://bucket/prefix"
        )
    prefix = prefix.strip("/")
    return Bucket(bucket, prefix + "/" if prefix else "")


def check_folder(folder: Folder) -> None:
    """Create the folder if need be and make sure files can be written in it."""
    try:
        folder.path.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder.path):
            pass
    except OSError as exc:
        raise UsageError(f"--to {folder.url}: cannot write there: {exc.strerror or exc}") from None


def s3_client() -> S3Client:
    """An S3 client of boto3's default session (credentials, region, endpoint)."""
    import boto3
    from botocore.config import Config

    config = Config(connect_timeout=10, retries={"mode": "standard", "max_attempts": 3})
    return boto3.client("s3", config=config)


def check_bucket(s3: S3Client, target: Bucket) -> None:
    """Make sure the bucket exists and these credentials may use it."""
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

    try:
        s3.head_bucket(Bucket=target.bucket)
    except ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code", ""))
        reason = {
            "404": f"the bucket {target.bucket} does not exist",
            "NoSuchBucket": f"the bucket {target.bucket} does not exist",
            "403": f"access to the bucket {target.bucket} is denied to these AWS credentials",
        }.get(code, str(exc))
        raise UsageError(f"--to {target.url}: {reason}") from None
    except NoCredentialsError:
        raise UsageError(f"--to {target.url}: {NO_CREDENTIALS}") from None
    except BotoCoreError as exc:  # no credentials or region, endpoint unreachable, ...
        raise UsageError(f"--to {target.url}: {exc}") from None


@contextmanager
def writing(target: Target) -> Iterator[None]:
    """Turn a failure to write (disk full, S3 refusing) into one line (exit 1): the hours
    written before it stay, and running the export again replaces them."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        yield
    except (OSError, BotoCoreError, ClientError) as exc:
        raise CliError(f"could not write to {target.url}: {exc}") from None


class Store(Protocol):
    """What an export writes to (chalicelib.export's Destination)."""

    def put(self, key: str, data: bytes) -> None: ...

    def delete(self, keys: Sequence[str]) -> None: ...

    def url(self, key: str) -> str: ...


class BatchedDeletes:
    """A Store whose removals (an export's hours without logs, one call each) are sent
    DELETE_BATCH at a time, and the rest by `flush`; objects are written at once."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._keys: list[str] = []

    def put(self, key: str, data: bytes) -> None:
        self._store.put(key, data)

    def delete(self, keys: Sequence[str]) -> None:
        self._keys += keys
        if len(self._keys) >= DELETE_BATCH:
            self.flush()

    def url(self, key: str) -> str:
        return self._store.url(key)

    def flush(self) -> None:
        """Remove the keys still waiting."""
        if self._keys:
            self._store.delete(self._keys)
            self._keys = []
