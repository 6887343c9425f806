"""Admission invariants under concurrency: many threads against one moto server.

moto server here is the serialized one `make run` uses (each AWS call atomic, as in
DynamoDB), so the writers race exactly as concurrent Lambdas would.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import boto3
import pytest
from boto3.dynamodb.conditions import Key

from chalicelib.accounts.quota import Quota
from chalicelib.accounts.store import AccountStore
from chalicelib.logstore.bodies import S3BodyStore
from chalicelib.logstore.ids import partition_key
from chalicelib.logstore.record import LogRecord
from chalicelib.logstore.rollups import Rollups
from chalicelib.logstore.search import LogSearcher
from chalicelib.logstore.writer import LogPolicy, LogWriter, WriteOutcome
from infra.local import deploy_stack, free_port, start_moto_server
from tests.factories import log_record

pytestmark = pytest.mark.e2e

THREADS = 8
LIMIT = 30


@dataclass
class Backend:
    writer: LogWriter
    accounts: AccountStore
    logs: object  # boto3 Table


@pytest.fixture(scope="module")
def backend() -> Iterator[Backend]:
    port = free_port()
    server = start_moto_server(port)
    try:
        endpoint = f"http://127.0.0.1:{port}"
        outputs = deploy_stack(endpoint)
        session = boto3.session.Session(
            region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
        )
        config = boto3.session.Config(max_pool_connections=THREADS * 2)
        dynamodb = session.resource("dynamodb", endpoint_url=endpoint, config=config)
        client = session.client("dynamodb", endpoint_url=endpoint, config=config)
        s3 = session.client("s3", endpoint_url=endpoint, config=config)
        logs = dynamodb.Table(outputs["LogsTableName"])
        writer = LogWriter(
            client,
            outputs["LogsTableName"],
            Quota(outputs["ControlTableName"], client),
            S3BodyStore(s3, outputs["BodiesBucketName"]),
            LogSearcher(logs),
            Rollups(outputs["ControlTableName"]),
        )
        accounts = AccountStore(dynamodb.Table(outputs["ControlTableName"]), client)
        accounts.create_account("busy", "paid")
        yield Backend(writer, accounts, logs)
    finally:
        server.stop()


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
            outcome = backend.writer.store(record, None, policy)
            with lock:
                outcomes[record.id] = outcome
        for record in records:
            again = backend.writer.store(_record_copy(record), None, policy)
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
