"""The repair of abandoned intents: counts given back once for logs that never came."""

from __future__ import annotations

import json
import time

import pytest

from chalicelib import aws, wiring
from chalicelib.accounts.store import AccountStore
from chalicelib.logstore.record import LogRecord
from chalicelib.logstore.repair import MIN_AGE_S, RepairReport
from chalicelib.logstore.writes import LogPolicy, StoredLog, WriteOutcome
from chalicelib.settings import Settings
from infra.repair_intents import main
from tests.support.tenants import Tenant
from tests.unit.logstore.test_batch_admission import (
    POLICY,
    Crash,
    FaultyDynamo,
    _admission,
    _intents,
    _logs,
    _records,
    _with,
)


def _repair(age_s: float = MIN_AGE_S + 60) -> RepairReport:
    """Repair account acme as if `age_s` had passed since now."""
    return wiring.intent_repair().repair(["acme"], time.time() + age_s, time.monotonic() + 60)


def _abandon(count: int, stored: int) -> list[LogRecord]:
    """A batch whose delivery died after `stored` puts, and whose messages never return."""
    records = _records(count)
    with pytest.raises(Crash):
        _admission(FaultyDynamo(aws.client("dynamodb"), "put_item", stored)).admit_batch(
            _with(records)
        )
    return records


def _assert_counts(settings: Settings, accounts: AccountStore) -> None:
    """The gateway and account count exactly the logs that exist; no intent is left."""
    gateway = accounts.get_gateway("acme", "main")
    account = accounts.get_account("acme")
    assert gateway is not None and account is not None
    assert gateway.stored_logs == account.stored_logs == len(_logs(settings))
    assert _intents(settings) == []


def test_an_abandoned_intent_gives_back_the_counts_of_missing_logs_once(
    tenant: Tenant, settings: Settings, accounts: AccountStore
) -> None:
    records = _abandon(8, stored=3)
    admission = wiring.log_admission()  # one more is stored by the direct path meanwhile
    assert admission.admit(records[5], None, POLICY) is WriteOutcome.STORED
    gateway = accounts.get_gateway("acme", "main")
    assert gateway is not None and gateway.stored_logs == 9  # 8 reserved + 1 direct
    assert _repair(age_s=0) == RepairReport()  # too young: a delivery may come
    report = _repair()
    assert report == RepairReport(intents=1, kept=3, given_back=5)
    assert len(_logs(settings)) == 4
    _assert_counts(settings, accounts)
    assert _repair() == RepairReport()  # nothing twice
    _assert_counts(settings, accounts)


def test_a_log_deleted_before_the_repair_is_released_once(
    tenant: Tenant, settings: Settings, accounts: AccountStore
) -> None:
    records = _abandon(6, stored=4)
    stored = [item for item in _logs(settings) if item["sk"] == records[0].id]
    [item] = stored
    maintenance = wiring.log_maintenance()
    assert maintenance.delete("acme", "main", [StoredLog(item["pk"], item["sk"], None)]) == 1
    [intent] = _intents(settings)
    assert len(intent["ids"]) == 5  # the deleted log's count went with it
    assert _repair() == RepairReport(intents=1, kept=3, given_back=2)
    _assert_counts(settings, accounts)


def test_a_message_back_after_the_repair_is_stored_and_counted(
    tenant: Tenant, settings: Settings, accounts: AccountStore
) -> None:
    records = _abandon(5, stored=2)
    _repair()
    outcomes = _admission().admit_batch(_with(records))
    assert list(outcomes.values()).count(WriteOutcome.STORED) == 3
    assert len(_logs(settings)) == 5
    _assert_counts(settings, accounts)


def test_the_command_repairs_the_accounts_asked_for(
    tenant: Tenant, settings: Settings, accounts: AccountStore, capsys: pytest.CaptureFixture[str]
) -> None:
    _abandon(4, stored=1)
    assert main(["--min-age-days", "1"]) == 0  # every account, none abandoned yet
    assert json.loads(capsys.readouterr().out)["intents"] == 0
    assert main(["--account", "acme", "--min-age-days", "0"]) == 0
    assert json.loads(capsys.readouterr().out) == {
        "intents": 1,
        "kept": 1,
        "given_back": 3,
        "unsettled": 0,
    }
    _assert_counts(settings, accounts)


def test_the_daily_schedule_runs_the_repair(tenant: Tenant, settings: Settings) -> None:
    from chalice.test import Client

    from app import app

    _abandon(3, stored=1)
    with Client(app, stage_name="local") as client:
        event = client.events.generate_cw_event(
            source="aws.events", detail_type="Scheduled Event", detail={}, resources=[]
        )
        answer = client.lambda_.invoke("repair_intents", event)
    assert answer.payload == {"intents": 0, "kept": 0, "given_back": 0, "unsettled": 0}
    assert len(_intents(settings)) == 1  # a fresh intent is left for its delivery


def test_a_log_evicted_before_the_repair_keeps_its_slot_counted(
    tenant: Tenant, settings: Settings, accounts: AccountStore
) -> None:
    """A full DELETE_OLDEST gateway evicts a log its abandoned intent stored: the new log
    takes that count over, so the repair must not give it back."""
    accounts.update_gateway(
        "acme", "main", {"log_management": 100, "log_management_strategy": "DELETE_OLDEST"}
    )
    records = _records(100)
    with pytest.raises(Crash):  # every log put, the delivery died before settling
        _admission(FaultyDynamo(aws.client("dynamodb"), "delete_item")).admit_batch(_with(records))
    newer = _records(1)[0]
    evicting = LogPolicy(shard_count=4, evict_oldest=True)
    assert wiring.log_admission().admit(newer, None, evicting) is WriteOutcome.STORED
    assert records[0].id not in {item["sk"] for item in _logs(settings)}
    assert _repair() == RepairReport(intents=1, kept=99)
    _assert_counts(settings, accounts)
