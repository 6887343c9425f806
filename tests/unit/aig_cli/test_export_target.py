from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import boto3
import pytest

from aig_cli.errors import CliError, UsageError
from aig_cli.export_target import (
    DELETE_BATCH,
    BatchedDeletes,
    Bucket,
    Folder,
    check_bucket,
    check_folder,
    parse_target,
    s3_client,
    writing,
)
from chalicelib.settings import Settings


@pytest.mark.parametrize(
    ("text", "target"),
    [
        ("s3://my-bucket", Bucket("my-bucket")),
        ("s3://my-bucket/", Bucket("my-bucket")),
        ("s3://my.bucket/exports/logs/", Bucket("my.bucket", "exports/logs/")),
        ("s3://b12/a//b", Bucket("b12", "a//b/")),
        ("/srv/exports", Folder(Path("/srv/exports"))),
    ],
)
def test_parse_target(text: str, target: Folder | Bucket) -> None:
    assert parse_target(text) == target


def test_a_relative_folder_is_made_absolute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert parse_target("exports") == Folder(tmp_path / "exports")
    assert parse_target("exports").url == str(tmp_path / "exports")
    assert Bucket("b12", "x/").url == "s3://b12/x/"


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("s3://", "not an S3 bucket name"),
        ("s3:///prefix", "not an S3 bucket name"),
        ("s3://Upper_Case/x", "not an S3 bucket name"),
        ("s3://ab", "not an S3 bucket name"),
        ("https://example.com/x", "takes a folder or an s3:// URL"),
        ("S3://bucket/x", "takes a folder or an s3:// URL"),
        ("  ", "--to is empty"),
    ],
)
def test_a_bad_target_is_a_usage_error(text: str, said: str) -> None:
    with pytest.raises(UsageError, match=said):
        parse_target(text)


def test_check_folder_creates_it(tmp_path: Path) -> None:
    folder = Folder(tmp_path / "a" / "b")
    check_folder(folder)
    assert folder.path.is_dir() and not list(folder.path.iterdir())  # the probe is gone


def test_a_folder_under_a_file_cannot_be_written(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(UsageError, match="cannot write there: Not a directory"):
        check_folder(Folder(tmp_path / "file" / "exports"))


def test_check_bucket(settings: Settings) -> None:
    boto3.client("s3").create_bucket(Bucket="there")
    check_bucket(s3_client(), Bucket("there", "x/"))
    with pytest.raises(UsageError, match="the bucket missing does not exist"):
        check_bucket(s3_client(), Bucket("missing"))


def test_no_credentials_is_said_plainly(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    with pytest.raises(UsageError, match="no AWS credentials"):
        check_bucket(s3_client(), Bucket("there"))


def test_a_failed_write_is_one_line() -> None:
    failing = pytest.raises(CliError, match=r"could not write to /x: \[Errno 28\] No space left")
    with failing, writing(Folder(Path("/x"))):
        raise OSError(28, "No space left on device")


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[str, object]] = []

    def put(self, key: str, data: bytes) -> None:
        self.calls.append(("put", key))

    def delete(self, keys: Sequence[str]) -> None:
        self.calls.append(("delete", list(keys)))

    def url(self, key: str) -> str:
        return f"at/{key}"


def test_deletes_are_batched_and_writes_are_not() -> None:
    store = Recorder()
    batched = BatchedDeletes(store)
    batched.put("a", b"1")
    for index in range(DELETE_BATCH + 1):
        batched.delete([f"k{index}"])
    assert store.calls[0] == ("put", "a") and len(store.calls) == 2
    assert store.calls[1] == ("delete", [f"k{index}" for index in range(DELETE_BATCH)])
    batched.flush()
    batched.flush()
    assert store.calls[2:] == [("delete", [f"k{DELETE_BATCH}"])]
    assert batched.url("k") == "at/k"
