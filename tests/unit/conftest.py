"""Unit-test fixtures: moto in-process with the resources of infra/template.yaml."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from moto import mock_aws

from chalicelib import aws, telemetry, wiring
from chalicelib.accounts.store import AccountStore
from chalicelib.logstore.bodies import S3BodyStore
from chalicelib.settings import Settings
from infra.local import OUTPUT_ENV, deploy_stack
from tests.support.moto import atomic_in_process_calls
from tests.support.tenants import Tenant, make_tenant
from tests.support.xray import RecordingXRay


@pytest.fixture(scope="session", autouse=True)
def atomic_moto() -> Iterator[None]:
    """Each in-process moto call atomic (see tests.support.moto)."""
    with atomic_in_process_calls():
        yield


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """Fresh moto backend with the stack deployed; env points the app at it."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        aws.reset()
        wiring.reset()
        outputs = deploy_stack(None)
        for key, name in OUTPUT_ENV.items():
            monkeypatch.setenv(name, outputs[key])
        yield Settings.from_env()
        aws.reset()
        wiring.reset()


@pytest.fixture
def accounts(settings: Settings) -> AccountStore:
    return AccountStore(aws.table(settings.control_table), aws.client("dynamodb"))


@pytest.fixture
def bodies(settings: Settings) -> S3BodyStore:
    return S3BodyStore(aws.client("s3"), settings.bodies_bucket)


@pytest.fixture
def tenant(accounts: AccountStore) -> Tenant:
    return make_tenant(accounts, "acme")


@pytest.fixture
def other_tenant(accounts: AccountStore) -> Tenant:
    return make_tenant(accounts, "globex")


@pytest.fixture
def xray(monkeypatch: pytest.MonkeyPatch) -> RecordingXRay:
    """Tracing on (as in a Lambda function), into a recording provider."""
    recording = RecordingXRay()
    monkeypatch.setattr(telemetry.tracer, "provider", recording)
    monkeypatch.setattr(telemetry.tracer, "disabled", False)
    return recording
