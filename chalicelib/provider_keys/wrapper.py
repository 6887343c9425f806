"""The key wrapper interface of envelope encryption: it makes the per-secret data keys and
unwraps them again; the secret itself is sealed with its data key (envelope.py)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

Context = Mapping[str, str]
"""What a wrapped key is bound to (account, gateway, key id): unwrapping under any other
context fails. Not secret (KMS records it in CloudTrail)."""


@dataclass(frozen=True)
class DataKey:
    """A fresh data key: the plaintext (used once, never stored) and its wrapped form."""

    plaintext: bytes
    wrapped: bytes


class KeyWrapper(Protocol):
    """Makes data keys and unwraps them: one backend per module (kms_wrapper, file_wrapper)."""

    name: str
    """Stored with each secret, so a secret is never opened by another backend."""

    def new_data_key(self, context: Context) -> DataKey:
        """A new 256-bit data key, wrapped under `context`."""
        ...

    def unwrap(self, wrapped: bytes, context: Context) -> bytes:
        """The plaintext of a wrapped data key; raises KeyUnavailable when it cannot be."""
        ...


class KeyUnavailable(Exception):  # noqa: N818 - a state of the backend
    """A data key could not be made or unwrapped (backend unreachable, wrong context or
    key). Its message never holds key material."""
