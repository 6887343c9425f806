"""Rate limiter fixtures: the control table of the deployed stack (moto in-process), a
clock the test sets, and a record of the DynamoDB operations each call makes."""

from __future__ import annotations

import boto3
import pytest

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
