"""The cursor secret of a deployed stage: the Secrets Manager secret its stack made
(AIG_CURSOR_SECRET_ARN), read instead of the control table's."""

from __future__ import annotations

import pytest

from chalicelib import aws, wiring
from chalicelib.logstore.cursor_secret import SECRET_KEY, managed_secret
from chalicelib.settings import Settings


def _secret(value: str) -> str:
    made = aws.client("secretsmanager").create_secret(Name="aig-test/cursor", SecretString=value)
    return made["ARN"]


def test_the_stacks_secret_signs_cursors_and_nothing_is_stored(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    arn = _secret("s" * 64)
    monkeypatch.setenv("AIG_CURSOR_SECRET_ARN", arn)
    wiring.reset()
    assert wiring.settings().cursor_secret_arn == arn
    assert wiring.cursor_secret() == b"s" * 64
    assert "Item" not in aws.table(settings.control_table).get_item(Key=SECRET_KEY)


def test_a_set_secret_wins_over_the_stacks(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIG_CURSOR_SECRET_ARN", _secret("from-the-stack"))
    monkeypatch.setenv("AIG_CURSOR_SECRET", "set-by-hand")
    wiring.reset()
    assert wiring.cursor_secret() == b"set-by-hand"


def test_a_binary_secret_is_refused_clearly(settings: Settings) -> None:
    client = aws.client("secretsmanager")
    arn = client.create_secret(Name="aig-test/binary", SecretBinary=b"\x00\x01")["ARN"]
    with pytest.raises(RuntimeError, match="holds no string"):
        managed_secret(client, arn)
