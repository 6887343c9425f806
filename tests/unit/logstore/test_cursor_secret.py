"""The cursor secret of a deployment without AIG_CURSOR_SECRET: random, one per
deployment, shared by all its processes."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib import aws, wiring
from chalicelib.api.logs_api import LogsApi
from chalicelib.errors import BadRequest
from chalicelib.logstore.bodies import S3BodyStore, StoredBodies
from chalicelib.logstore.cursor_secret import SECRET_BYTES, SECRET_KEY, deployment_secret
from chalicelib.logstore.reader import LogReader
from chalicelib.logstore.search import LogSearcher
from chalicelib.logstore.writes import LogPolicy
from chalicelib.settings import Settings
from infra.local import deploy_stack
from tests.factories import log_record
from tests.support.tenants import Tenant

POLICY = LogPolicy(shard_count=16, evict_oldest=False)


class _LateTable:
    """The control table as a process sees it that looked before another one wrote the
    secret: its first read finds nothing."""

    def __init__(self, table: Any) -> None:
        self._table = table
        self.meta = table.meta
        self.put_item = table.put_item
        self._reads = 0

    def get_item(self, **kwargs: Any) -> dict[str, Any]:
        self._reads += 1
        return {} if self._reads == 1 else self._table.get_item(**kwargs)


def test_processes_of_one_deployment_share_one_random_secret(settings: Settings) -> None:
    assert settings.cursor_secret is None
    first = wiring.cursor_secret()
    wiring.reset()  # another process of the same deployment
    assert wiring.cursor_secret() == first and len(first) == SECRET_BYTES
    racing = deployment_secret(_LateTable(aws.table(settings.control_table)))
    assert racing == first


def test_deployments_have_their_own_secret(settings: Settings) -> None:
    other = deploy_stack(None, prefix="other")["ControlTableName"]
    mine = deployment_secret(aws.table(settings.control_table))
    theirs = deployment_secret(aws.table(other))
    assert mine != theirs
    assert deployment_secret(aws.table(other)) == theirs


def test_a_set_secret_is_used_and_nothing_is_stored(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIG_CURSOR_SECRET", "operator-chosen")
    wiring.reset()
    assert wiring.cursor_secret() == b"operator-chosen"
    assert "Item" not in aws.table(settings.control_table).get_item(Key=SECRET_KEY)


def test_a_cursor_of_another_deployment_is_refused(settings: Settings, tenant: Tenant) -> None:
    for _ in range(3):
        record = log_record(account_id=tenant.account_id, gateway_id=tenant.gateway_id)
        wiring.log_admission().admit(record, StoredBodies(b"{}", b"{}"), POLICY)
    first = wiring.logs_api().list_logs(tenant.account_id, tenant.gateway_id, {"per_page": ["1"]})
    params = {"per_page": ["1"], "cursor": [first["result_info"]["cursor"]]}
    assert wiring.logs_api().list_logs(tenant.account_id, tenant.gateway_id, params)["success"]

    other = deploy_stack(None, prefix="other")["ControlTableName"]
    foreign = _logs_api_with(deployment_secret(aws.table(other)))
    with pytest.raises(BadRequest, match="invalid cursor"):
        foreign.list_logs(tenant.account_id, tenant.gateway_id, params)


def _logs_api_with(secret: bytes) -> LogsApi:
    config = wiring.settings()
    logs = aws.table(config.logs_table)
    bodies = S3BodyStore(aws.client("s3"), config.bodies_bucket)
    return LogsApi(
        wiring.accounts(),
        LogReader(logs),
        LogSearcher(logs),
        wiring.log_maintenance(),
        bodies,
        secret,
    )
