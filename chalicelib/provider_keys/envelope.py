"""Envelope encryption of one secret: a data key of its own seals it (AES-256-GCM, bound to
its context), and the key wrapper wraps that data key. Only the sealed secret and the
wrapped key are stored; the plaintext data key is dropped at once."""

from __future__ import annotations

import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from chalicelib.provider_keys.file_wrapper import NONCE_BYTES, aad
from chalicelib.provider_keys.wrapper import Context, KeyUnavailable, KeyWrapper


@dataclass(frozen=True)
class Sealed:
    """A secret as stored: nonce + ciphertext + tag, its wrapped data key, the backend."""

    ciphertext: bytes
    wrapped_key: bytes
    wrapper: str


def seal(secret: str, wrapper: KeyWrapper, context: Context) -> Sealed:
    """Encrypt `secret` under a new data key; raises KeyUnavailable."""
    data_key = wrapper.new_data_key(context)
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(data_key.plaintext).encrypt(nonce, secret.encode(), aad(context))
    return Sealed(nonce + sealed, data_key.wrapped, wrapper.name)


def open_sealed(sealed: Sealed, wrapper: KeyWrapper, context: Context) -> str:
    """The secret; KeyUnavailable when it was sealed by another backend, under another
    context, or has been tampered with."""
    if sealed.wrapper != wrapper.name:
        raise KeyUnavailable(f"a secret sealed by {sealed.wrapper!r} cannot be opened here")
    data_key = wrapper.unwrap(sealed.wrapped_key, context)
    try:
        plaintext = AESGCM(data_key).decrypt(
            sealed.ciphertext[:NONCE_BYTES], sealed.ciphertext[NONCE_BYTES:], aad(context)
        )
    except (InvalidTag, ValueError):
        raise KeyUnavailable("a stored secret does not open under its context") from None
    return plaintext.decode()
