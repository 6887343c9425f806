"""Data keys wrapped by an AWS KMS key (deployed stacks: infra/operations.yaml's
ProviderKeysKey). One GenerateDataKey per stored secret, one Decrypt per opening."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.provider_keys.wrapper import Context, DataKey, KeyUnavailable


class KmsClient(Protocol):
    """The two calls of boto3's KMS client this wrapper makes."""

    def generate_data_key(self, **kwargs: Any) -> Mapping[str, Any]: ...

    def decrypt(self, **kwargs: Any) -> Mapping[str, Any]: ...


class KmsKeyWrapper:
    """Wraps data keys with the KMS key `key_id`, bound to their context (EncryptionContext)."""

    name = "kms"

    def __init__(self, client: KmsClient, key_id: str) -> None:
        self._client = client
        self._key_id = key_id

    def new_data_key(self, context: Context) -> DataKey:
        """GenerateDataKey (AES-256) under `context`."""
        try:
            answer = self._client.generate_data_key(
                KeyId=self._key_id, KeySpec="AES_256", EncryptionContext=dict(context)
            )
        except (BotoCoreError, ClientError) as exc:
            raise KeyUnavailable(f"KMS could not make a data key ({_code(exc)})") from None
        return DataKey(bytes(answer["Plaintext"]), bytes(answer["CiphertextBlob"]))

    def unwrap(self, wrapped: bytes, context: Context) -> bytes:
        """Decrypt under `context`, with this wrapper's key only."""
        try:
            answer = self._client.decrypt(
                CiphertextBlob=wrapped, KeyId=self._key_id, EncryptionContext=dict(context)
            )
        except (BotoCoreError, ClientError) as exc:
            raise KeyUnavailable(f"KMS could not unwrap a data key ({_code(exc)})") from None
        return bytes(answer["Plaintext"])


def _code(exc: BotoCoreError | ClientError) -> str:
    """The error's code or class: never its message (which may quote request fields)."""
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code", "ClientError"))
    return type(exc).__name__
