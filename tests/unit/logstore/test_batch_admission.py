"""Batch admission (reserve, put, settle): exact counts after a crash at every step,
redelivery of any subset, and duplicate deliveries racing each other."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from chalicelib import aws, wiring
from chalicelib.accounts.store import AccountStore
from chalicelib.logstore.batch_admission import BatchAdmission
from chalicelib.logstore.ids import created_at_of, intents_pk
from chalicelib.logstore.record import LogRecord
from chalicelib.logstore.rollups import Rollups, aggregate
from chalicelib.logstore.writes import LogPolicy, WriteOutcome
from chalicelib.settings import Settings
from tests.factories import log_record
from tests.support.tenants import Tenant

POLICY = LogPolicy(shard_count=4, evict_oldest=False)


class Crash(Exception):
    """The Lambda died here."""


class FaultyDynamo:
    """The real client, except that chosen calls raise Crash (after `after` successes)."""

    def __init__(self, client: Any, operation: str, after: int = 0) -> None:
        self._client = client
        self._operation = operation
        self._left = after

    def __getattr__(self, name: str) -> Any:
        real = getattr(self._client, name)
        if name != self._operation:
            return real

        def call(**kwargs: Any) -> Any:
            if self._left <= 0:
                raise Crash(name)
            self._left -= 1
            return real(**kwargs)

        return call


class RefusingDynamo:
    """The real client, except that DynamoDB refuses the items of chosen logs (as it does
    an item over 400 KB), and counts those refusals."""

    def __init__(self, client: Any, refused: set[str]) -> None:
        self._client = client
        self._refused = refused
        self.refusals = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def put_item(self, **kwargs: Any) -> Any:
        if kwargs["Item"]["sk"]["S"] in self._refused:
            self.refusals += 1
            error = {"Code": "ValidationException", "Message": "Item size has exceeded"}
            raise ClientError({"Error": error}, "PutItem")
        return self._client.put_item(**kwargs)


def _admission(client: Any | None = None, put_threads: int = 1) -> BatchAdmission:
    """wiring's BatchAdmission, optionally over another client (one put thread: deterministic)."""
    real = wiring.batch_admission()
    return BatchAdmission(
        client or aws.client("dynamodb"),
        real._table,
        real._counters,
        real._rollups,
        real._fallback,
        put_threads=put_threads,
    )


def _records(count: int, gateway: str = "main") -> list[LogRecord]:
    return [
        log_record(gateway_id=gateway, model="gpt-4o", tokens_in=i, tokens_out=2, duration=i)
        for i in range(count)
    ]


def _logs(settings: Settings, gateway: str = "main") -> list[dict[str, Any]]:
    items = aws.table(settings.logs_table).scan()["Items"]
    return [
        item
        for item in items
        if item["pk"].startswith(f"acme#{gateway}#") and item["pk"].rsplit("#", 1)[1].isdigit()
    ]


def _intents(settings: Settings, account: str = "acme") -> list[dict[str, Any]]:
    items = aws.table(settings.logs_table).scan()["Items"]
    return [item for item in items if item["pk"] == intents_pk(account)]


def _with(records: list[LogRecord], policy: LogPolicy = POLICY) -> list[tuple[Any, Any]]:
    return [(record, policy) for record in records]


def _assert_exact(
    settings: Settings, accounts: AccountStore, records: list[LogRecord], gateway: str = "main"
) -> None:
    """Stored logs are exactly `records`, once; counters and rollups equal a recount."""
    stored = _logs(settings, gateway)
    assert sorted(item["sk"] for item in stored) == sorted(r.id for r in records)
    found = accounts.get_gateway("acme", gateway)
    account = accounts.get_account("acme")
    assert found is not None and account is not None
    assert found.stored_logs == len(records)
    assert account.stored_logs == len(records)
    moments = [created_at_of(r.id) for r in records]
    rows = Rollups(settings.control_table).read(
        aws.table(settings.control_table),
        "acme",
        gateway,
        min(moments) - timedelta(hours=1),
        max(moments) + timedelta(hours=1),
    )
    [total] = aggregate(rows, "model")
    assert total["requests"] == len(records)
    assert total["tokens_in"] == sum(r.tokens_in or 0 for r in records)
    assert total["duration_sum"] == sum(r.duration for r in records)
    assert _intents(settings) == []


def test_a_batch_is_stored_and_counted_once(
    tenant: Tenant, settings: Settings, accounts: AccountStore
) -> None:
    records = _records(30)
    outcomes = _admission(put_threads=8).admit_batch(_with(records, POLICY))
    assert set(outcomes.values()) == {WriteOutcome.STORED} and len(outcomes) == 30
    _assert_exact(settings, accounts, records)


@pytest.mark.parametrize(
    ("operation", "after"),
    [
        ("put_item", 0),  # died right after the reservation
        ("put_item", 7),  # died half-way through the puts
        ("delete_item", 0),  # died after every put, before settling
    ],
)
def test_a_crash_at_any_step_is_resumed_by_the_redelivery(
    tenant: Tenant, settings: Settings, accounts: AccountStore, operation: str, after: int
) -> None:
    records = _records(20)
    with pytest.raises(Crash):
        _admission(FaultyDynamo(aws.client("dynamodb"), operation, after)).admit_batch(
            _with(records, POLICY)
        )
    assert len(_intents(settings)) == 1
    outcomes = _admission().admit_batch(_with(records, POLICY))
    assert set(outcomes.values()) == {WriteOutcome.STORED}
    _assert_exact(settings, accounts, records)


def test_a_redelivered_subset_resumes_only_its_logs(
    tenant: Tenant, settings: Settings, accounts: AccountStore
) -> None:
    records = _records(10)
    with pytest.raises(Crash):
        _admission(FaultyDynamo(aws.client("dynamodb"), "put_item")).admit_batch(
            _with(records, POLICY)
        )
    _admission().admit_batch(_with(records[:4], POLICY))
    [intent] = _intents(settings)
    assert len(intent["ids"]) == 6  # the other six are still counted and to come
    _admission().admit_batch(_with(records[4:], POLICY))
    _assert_exact(settings, accounts, records)


def test_a_completed_batch_delivered_again_changes_nothing(
    tenant: Tenant, settings: Settings, accounts: AccountStore
) -> None:
    records, newcomers = _records(25), _records(3)
    _admission().admit_batch(_with(records, POLICY))
    again = _admission().admit_batch(_with(records[5:] + newcomers, POLICY))
    assert [again[r.id] for r in records[5:]] == [WriteOutcome.DUPLICATE] * 20
    assert [again[r.id] for r in newcomers] == [WriteOutcome.STORED] * 3
    _assert_exact(settings, accounts, records + newcomers)


def test_redelivery_keeps_an_edit_made_since(
    tenant: Tenant, settings: Settings, accounts: AccountStore
) -> None:
    records = _records(3)
    _admission().admit_batch(_with(records, POLICY))
    logs = aws.table(settings.logs_table)
    [item] = [i for i in _logs(settings) if i["sk"] == records[0].id]
    logs.update_item(
        Key={"pk": item["pk"], "sk": item["sk"]},
        UpdateExpression="SET feedback = :one",
        ExpressionAttributeValues={":one": 1},
    )
    _admission().admit_batch(_with(records, POLICY))
    assert logs.get_item(Key={"pk": item["pk"], "sk": item["sk"]})["Item"]["feedback"] == 1
    _assert_exact(settings, accounts, records)


def _race(first: BatchAdmission, step: str, second: Callable[[], Any]) -> None:
    """Run `second` just before `first` performs `step`."""
    real = getattr(first, step)

    def interleaved(*args: Any, **kwargs: Any) -> Any:
        second()
        return real(*args, **kwargs)

    setattr(first, step, interleaved)


@pytest.mark.parametrize("step", ["_reserve", "_put_all"])
def test_two_deliveries_racing_store_and_count_once(
    tenant: Tenant, settings: Settings, accounts: AccountStore, step: str
) -> None:
    """A duplicate delivery runs in full between the other's intents read and its
    reservation (both reserve: one gives back), or between its reservation and its puts
    (it finds the intent and resumes it)."""
    records = _records(12)
    late = _admission()
    outcomes: dict[str, WriteOutcome] = {}
    _race(late, step, lambda: outcomes.update(_admission().admit_batch(_with(records[:8], POLICY))))
    late_outcomes = late.admit_batch(_with(records, POLICY))
    stored_by_either = {
        log_id
        for log_id in late_outcomes
        if WriteOutcome.STORED in (late_outcomes[log_id], outcomes.get(log_id))
    }
    assert stored_by_either == {r.id for r in records}
    _assert_exact(settings, accounts, records)


def test_two_resumptions_of_one_intent_give_back_once(
    tenant: Tenant, settings: Settings, accounts: AccountStore
) -> None:
    """Logs of a crashed intent stored meanwhile by another writer: each resumption sees
    them taken, and the count is given back once."""
    records = _records(6)
    with pytest.raises(Crash):
        _admission(FaultyDynamo(aws.client("dynamodb"), "put_item")).admit_batch(
            _with(records, POLICY)
        )
    admission = wiring.log_admission()
    for record in records[:2]:  # stored by the direct path meanwhile (counted there too)
        assert admission.admit(record, None, POLICY) is WriteOutcome.STORED
    first = _admission()
    _race(first, "_settle", lambda: _admission().admit_batch(_with(records, POLICY)))
    first.admit_batch(_with(records, POLICY))
    _assert_exact(settings, accounts, records)


def test_a_full_gateway_falls_back_to_drops(
    tenant: Tenant, settings: Settings, accounts: AccountStore
) -> None:
    accounts.update_gateway("acme", "main", {"log_management": 100})
    first = _records(95)
    _admission().admit_batch(_with(first, POLICY))
    records = _records(10)
    outcomes = _admission().admit_batch(_with(records, POLICY))
    assert list(outcomes.values()).count(WriteOutcome.STORED) == 5
    assert list(outcomes.values()).count(WriteOutcome.DROPPED) == 5
    gateway = accounts.get_gateway("acme", "main")
    assert gateway is not None and (gateway.stored_logs, gateway.dropped_logs) == (100, 5)
    assert len(_logs(settings)) == 100 and _intents(settings) == []


def test_a_full_delete_oldest_gateway_evicts(
    tenant: Tenant, settings: Settings, accounts: AccountStore
) -> None:
    accounts.update_gateway(
        "acme", "main", {"log_management": 100, "log_management_strategy": "DELETE_OLDEST"}
    )
    policy = LogPolicy(shard_count=4, evict_oldest=True)
    first = _records(100)
    _admission().admit_batch(_with(first, policy))
    newer = _records(5)
    outcomes = _admission().admit_batch(_with(newer, policy))
    assert set(outcomes.values()) == {WriteOutcome.STORED}
    kept = sorted(item["sk"] for item in _logs(settings))
    assert kept == sorted(r.id for r in first + newer)[5:]


def test_one_reservation_covers_every_gateway_of_the_account(
    tenant: Tenant, settings: Settings, accounts: AccountStore
) -> None:
    accounts.create_gateway("acme", "second", {})
    calls: list[Any] = []
    client = aws.client("dynamodb")

    def count(params: dict[str, Any], **_: Any) -> None:
        calls.append(params["TransactItems"])

    client.meta.events.register("before-parameter-build.dynamodb.TransactWriteItems", count)
    try:
        _admission().admit_batch(_with(_records(6) + _records(4, "second")))
    finally:
        client.meta.events.unregister("before-parameter-build.dynamodb.TransactWriteItems", count)
    [actions] = calls  # intent, 2 gateways, the account, one rollup group per gateway
    assert len(actions) == 1 + 2 + 1 + 2
    for gateway, count_ in (("main", 6), ("second", 4)):
        found = accounts.get_gateway("acme", gateway)
        assert found is not None and found.stored_logs == count_


def test_accounts_do_not_share_intents(
    tenant: Tenant, other_tenant: Tenant, settings: Settings, accounts: AccountStore
) -> None:
    with pytest.raises(Crash):
        _admission(FaultyDynamo(aws.client("dynamodb"), "put_item")).admit_batch(_with(_records(4)))
    others = [log_record(account_id="globex", gateway_id="main") for _ in range(3)]
    admission = _admission()
    assert admission.intents("globex") == []
    admission.admit_batch(_with(others))
    assert len(admission.intents("acme")) == 1  # untouched by the other account
    globex = accounts.get_gateway("globex", "main")
    assert globex is not None and globex.stored_logs == 3
    with pytest.raises(ValueError, match="one account"):
        admission.admit_batch(_with(others + _records(1)))


def test_a_gateway_that_dropped_logs_keeps_them_dropped(
    tenant: Tenant, settings: Settings, accounts: AccountStore
) -> None:
    """A redelivered log that was dropped while its gateway was full is not stored now
    that there is room again: it stays counted as dropped, once."""
    accounts.update_gateway("acme", "main", {"log_management": 100})
    _admission().admit_batch(_with(_records(98)))
    records = _records(4)
    first = _admission().admit_batch(_with(records))
    assert list(first.values()).count(WriteOutcome.DROPPED) == 2
    dropped = [r for r in records if first[r.id] is WriteOutcome.DROPPED]
    wiring.log_maintenance().trim("acme", "main", 4, 10, newest=False)  # room again
    again = _admission().admit_batch(_with(records + _records(3)))
    assert [again[r.id] for r in dropped] == [WriteOutcome.DROPPED] * 2
    gateway = accounts.get_gateway("acme", "main")
    assert gateway is not None and (gateway.stored_logs, gateway.dropped_logs) == (93, 2)
    assert len(_logs(settings)) == 93


def test_logs_listed_by_two_crashed_intents_are_settled_under_both(
    tenant: Tenant, settings: Settings, accounts: AccountStore
) -> None:
    """Two deliveries reserved the same logs at once and both died before any put: the
    redelivery stores each log under one intent and gives it back from the other."""
    records = _records(8)
    first = _admission(FaultyDynamo(aws.client("dynamodb"), "put_item"))

    def second() -> None:
        with pytest.raises(Crash):
            _admission(FaultyDynamo(aws.client("dynamodb"), "put_item")).admit_batch(
                _with(records, POLICY)
            )

    _race(first, "_reserve", second)
    with pytest.raises(Crash):
        first.admit_batch(_with(records, POLICY))
    assert len(_intents(settings)) == 2
    gateway = accounts.get_gateway("acme", "main")
    assert gateway is not None and gateway.stored_logs == 16  # counted twice for now
    outcomes = _admission().admit_batch(_with(records, POLICY))
    assert set(outcomes.values()) == {WriteOutcome.STORED}
    _assert_exact(settings, accounts, records)


def test_a_log_dynamodb_refuses_fails_alone_and_gives_back_its_count(
    tenant: Tenant, settings: Settings, accounts: AccountStore
) -> None:
    records = _records(10)
    refusing = RefusingDynamo(aws.client("dynamodb"), {records[3].id})
    outcomes = _admission(refusing).admit_batch(_with(records))
    assert outcomes.pop(records[3].id) is WriteOutcome.FAILED and refusing.refusals == 1
    assert set(outcomes.values()) == {WriteOutcome.STORED}
    _assert_exact(settings, accounts, records[:3] + records[4:])
    again = _admission(refusing).admit_batch(_with(records))  # its message is retried: same end
    assert again[records[3].id] is WriteOutcome.FAILED and refusing.refusals == 2
    _assert_exact(settings, accounts, records[:3] + records[4:])


def test_refused_logs_leave_no_count_in_a_full_gateway(
    tenant: Tenant, settings: Settings, accounts: AccountStore
) -> None:
    """100 refused logs to a gateway that keeps 100 (STOP_INSERTING): no count stays
    behind, and the next logs are admitted."""
    accounts.update_gateway("acme", "main", {"log_management": 100})
    refused = _records(100)
    refusing = RefusingDynamo(aws.client("dynamodb"), {r.id for r in refused})
    outcomes = _admission(refusing).admit_batch(_with(refused))
    assert set(outcomes.values()) == {WriteOutcome.FAILED}
    gateway = accounts.get_gateway("acme", "main")
    assert gateway is not None and gateway.stored_logs == 0 and _logs(settings) == []
    records = _records(10)
    assert set(_admission().admit_batch(_with(records)).values()) == {WriteOutcome.STORED}
    _assert_exact(settings, accounts, records)
