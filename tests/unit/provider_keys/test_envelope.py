"""Envelope encryption: each backend (moto's KMS, the local key file) wraps a fresh data key
per secret, bound to its context; nothing opens under another context or backend."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from chalicelib.provider_keys import (
    FileKeyWrapper,
    KeyUnavailable,
    KeyWrapper,
    KmsKeyWrapper,
    Sealed,
    create_key_file,
    open_sealed,
    seal,
)

SECRET = "sk-envelope-secret-0123456789abcdef"
CONTEXT = {"account_id": "acme", "gateway_id": "main", "key_id": "k1"}


@pytest.fixture
def file_wrapper(tmp_path: Path) -> FileKeyWrapper:
    path = tmp_path / ".local" / "provider-keys.key"
    assert create_key_file(path) and not create_key_file(path)  # made once, then kept
    assert path.stat().st_mode & 0o777 == 0o600
    return FileKeyWrapper(path)


@pytest.fixture
def kms_wrapper(monkeypatch: pytest.MonkeyPatch) -> Iterator[KmsKeyWrapper]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        client = boto3.client(
            "kms",
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        key_id = client.create_key()["KeyMetadata"]["KeyId"]
        yield KmsKeyWrapper(client, key_id)


@pytest.fixture(params=["file", "kms"])
def wrapper(request: pytest.FixtureRequest) -> KeyWrapper:
    return request.getfixturevalue(f"{request.param}_wrapper")  # type: ignore[no-any-return]


def test_a_sealed_secret_opens_under_its_context_only(wrapper: KeyWrapper) -> None:
    sealed = seal(SECRET, wrapper, CONTEXT)
    assert SECRET.encode() not in sealed.ciphertext + sealed.wrapped_key
    assert open_sealed(sealed, wrapper, CONTEXT) == SECRET
    for other in ({**CONTEXT, "gateway_id": "other"}, {**CONTEXT, "key_id": "k2"}):
        with pytest.raises(KeyUnavailable) as refused:
            open_sealed(sealed, wrapper, other)
        assert SECRET not in str(refused.value)


def test_each_secret_has_its_own_data_key(wrapper: KeyWrapper) -> None:
    first, second = seal(SECRET, wrapper, CONTEXT), seal(SECRET, wrapper, CONTEXT)
    assert first.wrapped_key != second.wrapped_key and first.ciphertext != second.ciphertext


def test_tampering_is_detected(wrapper: KeyWrapper) -> None:
    sealed = seal(SECRET, wrapper, CONTEXT)
    flipped = bytes([sealed.ciphertext[-1] ^ 1])
    tampered = Sealed(sealed.ciphertext[:-1] + flipped, sealed.wrapped_key, sealed.wrapper)
    with pytest.raises(KeyUnavailable):
        open_sealed(tampered, wrapper, CONTEXT)


def test_a_secret_sealed_by_one_backend_is_refused_by_another(
    file_wrapper: FileKeyWrapper, kms_wrapper: KmsKeyWrapper
) -> None:
    with pytest.raises(KeyUnavailable, match="sealed by 'local'"):
        open_sealed(seal(SECRET, file_wrapper, CONTEXT), kms_wrapper, CONTEXT)


def test_another_key_file_does_not_open_it(file_wrapper: FileKeyWrapper, tmp_path: Path) -> None:
    create_key_file(tmp_path / "other.key")
    with pytest.raises(KeyUnavailable):
        open_sealed(
            seal(SECRET, file_wrapper, CONTEXT), FileKeyWrapper(tmp_path / "other.key"), CONTEXT
        )


def test_a_missing_or_short_key_file_is_unavailable(tmp_path: Path) -> None:
    with pytest.raises(KeyUnavailable, match="cannot be read"):
        FileKeyWrapper(tmp_path / "absent.key")
    (tmp_path / "short.key").write_bytes(b"0" * 16)
    with pytest.raises(KeyUnavailable, match="32 bytes"):
        FileKeyWrapper(tmp_path / "short.key")


def test_kms_failures_name_the_error_code_only(kms_wrapper: KmsKeyWrapper) -> None:
    sealed = seal(SECRET, kms_wrapper, CONTEXT)
    gone = KmsKeyWrapper(kms_wrapper._client, "11111111-2222-3333-4444-555555555555")
    with pytest.raises(KeyUnavailable, match=r"\(NotFoundException\)"):
        gone.new_data_key(CONTEXT)
    with pytest.raises(KeyUnavailable) as refused:
        open_sealed(sealed, gone, CONTEXT)
    assert SECRET not in str(refused.value)
