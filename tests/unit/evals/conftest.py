"""Logs seeded straight into the logs table, and the evaluations service over them."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from chalicelib import aws
from chalicelib.accounts.store import AccountStore
from chalicelib.evals.runner import LogCollector
from chalicelib.evals.service import Evaluations
from chalicelib.evals.store import EvalStore
from chalicelib.logstore.ids import new_log_id, partition_key, shard_of
from chalicelib.logstore.record import LogRecord
from chalicelib.logstore.record_item import record_item
from chalicelib.logstore.search import LogSearcher
from chalicelib.settings import Settings
from chalicelib.timestamps import iso_utc
from tests.support.tenants import Tenant

START = datetime(2026, 5, 1, tzinfo=UTC)
MODELS = ("gpt-4o-mini", "gpt-4o", "claude-sonnet-4")


def seed_logs(accounts: AccountStore, tenant: Tenant, count: int, seed: int = 7) -> list[LogRecord]:
    """`count` random logs in the tenant's gateway, oldest first."""
    rng = random.Random(seed)
    gateway = accounts.get_gateway(tenant.account_id, tenant.gateway_id)
    assert gateway is not None
    records = []
    for index in range(count):
        moment = START + timedelta(seconds=index * 11)
        tokens = rng.choice([None, rng.randint(1, 4000)])
        records.append(
            LogRecord(
                id=new_log_id(moment),
                created_at=iso_utc(moment),
                account_id=tenant.account_id,
                gateway_id=tenant.gateway_id,
                provider="openai",
                path="chat/completions",
                status_code=200,
                success=rng.random() > 0.1,
                duration=rng.randint(1, 3000),
                model=rng.choice(MODELS),
                tokens_in=tokens,
                tokens_out=None if tokens is None else rng.randint(0, 500),
                cost=None if tokens is None else Decimal(rng.randint(0, 10**5)) / 10**6,
                feedback=rng.choice([None, -1, 0, 1]),
            )
        )
    table = aws.table(Settings.from_env().logs_table)
    with table.batch_writer() as batch:
        for record in records:
            shard = shard_of(record.id, gateway.shard_count)
            pk = partition_key(record.account_id, record.gateway_id, shard)
            batch.put_item(Item=record_item(record, pk))
    return records


@pytest.fixture
def store(settings: Settings) -> EvalStore:
    return EvalStore(aws.table(settings.control_table), aws.client("dynamodb"))


@pytest.fixture
def service(settings: Settings, accounts: AccountStore, store: EvalStore) -> Evaluations:
    return Evaluations(accounts, store, LogCollector(LogSearcher(aws.table(settings.logs_table))))
