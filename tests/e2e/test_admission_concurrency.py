"""Admission invariants under concurrency: many threads against one moto server.

moto server here is the serialized one `make run` uses (each AWS call atomic, as in
DynamoDB), so the writers race exactly as concurrent Lambdas would.
"""

from __future__ import annotations

import contextlib
import random
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import boto3
import pytest
from boto3.dynamodb.conditions import Key

from chalicelib.accounts.quota import Quota
from chalicelib.accounts.store import AccountStore
from chalicelib.logstore.admission import LogAdmission
from chalicelib.logstore.batch_admission import BatchAdmission
from chalicelib.logstore.bodies import S3BodyStore
from chalicelib.logstore.ids import created_at_of, partition_key
from chalicelib.logstore.record import LogRecord
from chalicelib.logstore.rollups import Rollups, aggregate
from chalicelib.logstore.search import LogSearcher
from chalicelib.logstore.writes import LogPolicy, WriteOutcome
from tests.factories import log_record
from tests.support.moto import deployed_moto_server

pytestmark = pytest.mark.e2e

THREADS = 8
LIMIT = 30


@dataclass
class Backend:
    admission: LogAdmission
    accounts: AccountStore
    logs: object  # boto3 Table
    batch: Callable[[Any], BatchAdmission]
    """A BatchAdmission over the given low-level client (or the real one when None)."""
    control: object  # boto3 Table


@pytest.fixture(scope="module")
def backend() -> Iterator[Backend]:
    with deployed_moto_server() as server:
        endpoint, outputs = server.endpoint, server.outputs
        session = boto3.session.Session(
            region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
        )
        config = boto3.session.Config(max_pool_connections=THREADS * 2)
        dynamodb = session.resource("dynamodb", endpoint_url=endpoint, config=config)
        client = session.client("dynamodb", endpoint_url=endpoint, config=config)
        s3 = session.client("s3", endpoint_url=endpoint, config=config)
        logs = dynamodb.Table(outputs["LogsTableName"])
        admission = LogAdmission(
            client,
            outputs["LogsTableName"],
            Quota(outputs["ControlTableName"], client),
            S3BodyStore(s3, outputs["BodiesBucketName"]),
            LogSearcher(logs),
            Rollups(outputs["ControlTableName"]),
        )
        accounts = AccountStore(dynamodb.Table(outputs["ControlTableName"]), client)
        accounts.create_account("busy", "paid")

        def batch(dynamo_client: Any) -> BatchAdmission:
            return BatchAdmission(
                dynamo_client or client,
                outputs["LogsTableName"],
                Quota(outputs["ControlTableName"], client),
                Rollups(outputs["ControlTableName"]),
                fallback=admission,
                put_threads=4,
            )

        control = dynamodb.Table(outputs["ControlTableName"])
        yield Backend(admission, accounts, logs, batch, control)


def _record(gateway: str) -> LogRecord:
    return log_record(account_id="busy", gateway_id=gateway)


def _recount(backend: Backend, gateway: str, shards: int) -> list[str]:
    ids: list[str] = []
    for shard in range(shards):
        condition = Key("pk").eq(partition_key("busy", gateway, shard))
        ids += [
            item["sk"] for item in backend.logs.query(KeyConditionExpression=condition)["Items"]
        ]  # type: ignore[attr-defined]
    return sorted(ids)


def _hammer(
    backend: Backend, gateway: str, policy: LogPolicy, per_thread: int
) -> dict[str, WriteOutcome]:
    """Each thread writes its logs, then writes every one of them again (a retry)."""
    outcomes: dict[str, WriteOutcome] = {}
    lock = threading.Lock()

    def work(_: int) -> None:
        records = []
        for _ in range(per_thread):
            record = _record(gateway)
            records.append(record)
            outcome = backend.admission.admit(record, None, policy)
            with lock:
                outcomes[record.id] = outcome
        for record in records:
            again = backend.admission.admit(_record_copy(record), None, policy)
            assert (
                again is not WriteOutcome.STORED or outcomes[record.id] is not WriteOutcome.STORED
            )

    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(work, range(THREADS)))
    return outcomes


def _record_copy(record: LogRecord) -> LogRecord:
    return LogRecord(**{**record.__dict__, "body_key": None})


@pytest.mark.parametrize("run", range(2))
def test_stop_inserting_under_concurrency(backend: Backend, run: int) -> None:
    gateway = f"stop-{run}"
    backend.accounts.create_gateway("busy", gateway, {"log_management": LIMIT, "shard_count": 4})
    outcomes = _hammer(backend, gateway, LogPolicy(4, evict_oldest=False), per_thread=6)
    stored = sorted(i for i, o in outcomes.items() if o is WriteOutcome.STORED)
    assert len(stored) == LIMIT
    assert _recount(backend, gateway, 4) == stored
    info = backend.accounts.get_gateway("busy", gateway)
    assert info is not None
    assert info.stored_logs == LIMIT and info.dropped_logs == THREADS * 6 - LIMIT


@pytest.mark.parametrize("run", range(2))
def test_delete_oldest_under_concurrency_keeps_the_newest(backend: Backend, run: int) -> None:
    gateway = f"evict-{run}"
    backend.accounts.create_gateway(
        "busy",
        gateway,
        {"log_management": LIMIT, "shard_count": 4, "log_management_strategy": "DELETE_OLDEST"},
    )
    outcomes = _hammer(backend, gateway, LogPolicy(4, evict_oldest=True), per_thread=6)
    assert _recount(backend, gateway, 4) == sorted(outcomes)[-LIMIT:]
    info = backend.accounts.get_gateway("busy", gateway)
    assert info is not None and info.stored_logs == LIMIT


def test_account_counter_equals_the_sum_of_its_gateways(backend: Backend) -> None:
    gateways = backend.accounts.list_gateways("busy")
    recounted = sum(len(_recount(backend, g.id, g.shard_count)) for g in gateways)
    assert sum(g.stored_logs for g in gateways) == recounted
    account = backend.accounts.get_account("busy")
    assert account is not None and account.stored_logs == recounted


@pytest.mark.parametrize("strategy", ["STOP_INSERTING", "DELETE_OLDEST"])
def test_a_reader_never_sees_more_than_the_limit(backend: Backend, strategy: str) -> None:
    gateway = f"watched-{strategy.lower().replace('_', '-')}"
    limit = 20
    backend.accounts.create_gateway(
        "busy",
        gateway,
        {"log_management": limit, "shard_count": 1, "log_management_strategy": strategy},
    )
    seen: list[int] = []
    done = threading.Event()

    def watch() -> None:
        condition = Key("pk").eq(partition_key("busy", gateway, 0))
        while not done.is_set():
            seen.append(
                backend.logs.query(KeyConditionExpression=condition, Select="COUNT")["Count"]
            )  # type: ignore[attr-defined]
            time.sleep(0.001)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        _hammer(
            backend, gateway, LogPolicy(1, evict_oldest=strategy == "DELETE_OLDEST"), per_thread=4
        )
    finally:
        done.set()
        watcher.join()
    assert len(seen) > 10 and max(seen) == limit


class _Crash(Exception):
    pass


class _CrashingClient:
    """The backend's client, except that PutItem dies after a few calls (a Lambda crash)."""

    def __init__(self, client: Any, puts: int) -> None:
        self._client, self._puts, self._lock = client, puts, threading.Lock()

    def __getattr__(self, name: str) -> Any:
        real = getattr(self._client, name)
        if name != "put_item":
            return real

        def put_item(**kwargs: Any) -> Any:
            with self._lock:
                self._puts -= 1
                if self._puts < 0:
                    raise _Crash()
            return real(**kwargs)

        return put_item


@pytest.mark.parametrize("limit", [10_000, 45, 30])
def test_overlapping_batches_and_crashes_count_every_log_once(backend: Backend, limit: int) -> None:
    """Threads store overlapping batches of the same logs (duplicate deliveries), some
    crashing half-way; then every log is delivered once more (SQS redelivers). Stored
    logs, counters and rollups all equal the recount, every log is either stored or
    counted as dropped (never both), and no intent is left behind."""
    gateway = f"batched-{limit}"
    backend.accounts.create_gateway("busy", gateway, {"log_management": limit, "shard_count": 4})
    policy = LogPolicy(4, evict_oldest=False)
    records = [_record(gateway) for _ in range(80)]
    rng = random.Random(limit)
    batches = [rng.sample(records, 20) for _ in range(THREADS * 2)]
    client = backend.batch(None)._dynamodb

    def deliver(index: int) -> None:
        crashing = index % 3 == 0
        admission = backend.batch(_CrashingClient(client, rng.randint(0, 15)) if crashing else None)
        with contextlib.suppress(_Crash):
            admission.admit_batch([(record, policy) for record in batches[index]])

    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(deliver, range(len(batches))))
    outcomes = backend.batch(None).admit_batch([(r, policy) for r in records])  # redeliver all

    stored = _recount(backend, gateway, 4)
    info = backend.accounts.get_gateway("busy", gateway)
    assert info is not None and info.stored_logs == len(stored)
    assert len(stored) <= limit  # a log dropped while the gateway was full stays dropped
    if limit >= len(records):
        assert stored == sorted(r.id for r in records)
    assert all(outcomes[log_id] is not WriteOutcome.DROPPED for log_id in stored)
    assert info.dropped_logs == len(records) - len(stored)  # each log: stored xor dropped
    moments = [created_at_of(r.id) for r in records]
    rows = Rollups(backend.control.name).read(  # type: ignore[attr-defined]
        backend.control,
        "busy",
        gateway,
        min(moments) - timedelta(hours=1),
        max(moments) + timedelta(hours=1),
    )
    [total] = aggregate(rows, "provider")
    assert total["requests"] == len(stored)
    assert backend.batch(None).intents("busy") == []
