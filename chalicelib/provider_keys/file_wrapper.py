"""Data keys wrapped by a local master key file (`make run`: infra/local.py makes it once,
under .local/, never committed). AES-256-GCM, the context as associated data."""

from __future__ import annotations

import json
import os
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from chalicelib.provider_keys.wrapper import Context, DataKey, KeyUnavailable

KEY_BYTES = 32
NONCE_BYTES = 12


def create_key_file(path: Path) -> bool:
    """Write a new random master key at `path` (mode 0600) unless one is there; True when
    it was made."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(fd, "wb") as file:
        file.write(os.urandom(KEY_BYTES))
    return True


class FileKeyWrapper:
    """Wraps data keys with the 256-bit master key read from `path`."""

    name = "local"

    def __init__(self, path: Path) -> None:
        try:
            master = path.read_bytes()
        except OSError as exc:
            raise KeyUnavailable(f"the local key file cannot be read ({exc.strerror})") from None
        if len(master) != KEY_BYTES:
            raise KeyUnavailable(f"the local key file must hold {KEY_BYTES} bytes")
        self._aead = AESGCM(master)

    def new_data_key(self, context: Context) -> DataKey:
        """A random data key, sealed under the master key."""
        plaintext = AESGCM.generate_key(bit_length=KEY_BYTES * 8)
        nonce = os.urandom(NONCE_BYTES)
        return DataKey(plaintext, nonce + self._aead.encrypt(nonce, plaintext, aad(context)))

    def unwrap(self, wrapped: bytes, context: Context) -> bytes:
        """The data key, if it was wrapped under this master key and `context`."""
        try:
            return self._aead.decrypt(wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], aad(context))
        except (InvalidTag, ValueError):
            raise KeyUnavailable("a data key does not open with the local key file") from None


def aad(context: Context) -> bytes:
    """The context as associated data: canonical JSON, so order does not matter."""
    return json.dumps(dict(context), sort_keys=True, separators=(",", ":")).encode()
