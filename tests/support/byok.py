"""Stored provider keys in unit tests: the local key-file wrapper, as under `make run`."""

from __future__ import annotations

from pathlib import Path

import pytest

from chalicelib import wiring
from chalicelib.provider_keys import create_key_file


def use_local_key_file(monkeypatch: pytest.MonkeyPatch, folder: Path) -> Path:
    """Point the settings at a new local key file (and allow loopback custom providers)."""
    path = folder / "provider-keys.key"
    create_key_file(path)
    monkeypatch.setenv("AIG_KEY_WRAPPER", "local")
    monkeypatch.setenv("AIG_LOCAL_KEY_FILE", str(path))
    monkeypatch.setenv("AIG_CUSTOM_PROVIDER_LOOPBACK", "1")
    wiring.reset()
    return path
