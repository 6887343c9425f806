"""Budget fixtures: the control table (moto in-process), a settable clock, a ledger over
them, and a record of the DynamoDB operations it makes."""

from __future__ import annotations

import boto3
import pytest

from chalicelib.budget import Ledger
from chalicelib.settings import Settings
from tests.support.ratelimit import Env, FakeClock


@pytest.fixture
def env(settings: Settings) -> Env:
    client = boto3.client("dynamodb", region_name="us-east-1")
    recorded = Env(client, settings.control_table, FakeClock())
    client.meta.events.register(
        "before-call.dynamodb", lambda model, **_: recorded.calls.append(model.name)
    )
    return recorded


@pytest.fixture
def ledger(env: Env) -> Ledger:
    return Ledger(env.client, env.table, env.clock)
