"""How much admission costs per log: AWS calls, transactions, counter-item writes.

    .venv/bin/python -m bench.admission [--logs 400] [--limit 200]

Counts work (moto's speed says nothing about DynamoDB's): every DynamoDB call the log
admission makes, every transaction action, and which of them write the account item, the
hot key of a busy account (one partition: 1,000 write units/s). Three runs through the
direct write path (one log per transaction): room to spare, STOP_INSERTING when full,
DELETE_OLDEST when full. Writes "tried" include those of transactions cancelled by a
full cap (DynamoDB charges those too). Then the account-item ceiling, for direct writes
and for the batches of the log pipeline (one counter update per gateway per batch).
"""

from __future__ import annotations

import argparse
import collections
from datetime import UTC, datetime, timedelta
from typing import Any

from moto import mock_aws

from bench.moto_stack import deploy_in_moto
from chalicelib import aws, wiring
from chalicelib.accounts import account_key
from chalicelib.logstore import LogPolicy, LogRecord, WriteOutcome, new_log_id

ACCOUNT_PARTITION_WRU_PER_S = 1000
TRANSACTIONAL_WRU_PER_ITEM = 2  # per KB: transactions cost twice a plain write
PIPELINE_BATCH = 98  # logs per transaction (100 actions, 2 of them counters)


class CallCounter:
    """Counts DynamoDB calls and the transaction actions aimed at the account item."""

    def __init__(self, account_id: str) -> None:
        self.calls: collections.Counter[str] = collections.Counter()
        self.account_key = {k: {"S": v} for k, v in account_key(account_id).items()}

    def __call__(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        self.calls[model.name] += 1
        for action in params.get("TransactItems", []):
            ((kind, body),) = action.items()
            self.calls[f"  tx {kind}"] += 1
            if body.get("Key") == self.account_key:
                self.calls["  tx account-item write (tried)"] += 1

    def reset(self) -> None:
        self.calls.clear()


def _record(log_id: str, gateway_id: str) -> LogRecord:
    return LogRecord(
        id=log_id,
        created_at="2026-01-01T00:00:00.000Z",
        account_id="bench",
        gateway_id=gateway_id,
        provider="openai",
        path="chat/completions",
        status_code=200,
        success=True,
        duration=100,
        model="gpt-4o-mini",
        tokens_in=120,
        tokens_out=40,
        request_head="x" * 256,
        response_head="y" * 256,
    )


def run(name: str, logs: int, limit: int, evict: bool, counter: CallCounter) -> None:
    accounts = wiring.accounts()
    gateway = f"g-{name}"
    strategy = "DELETE_OLDEST" if evict else "STOP_INSERTING"
    accounts.create_gateway(
        "bench", gateway, {"log_management": limit, "log_management_strategy": strategy}
    )
    admission = wiring.log_admission()
    policy = LogPolicy(shard_count=16, evict_oldest=evict)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    counter.reset()
    outcomes: collections.Counter[WriteOutcome] = collections.Counter()
    for index in range(logs):
        record = _record(new_log_id(start + timedelta(milliseconds=index)), gateway)
        outcomes[admission.admit(record, None, policy)] += 1
    stored = outcomes[WriteOutcome.STORED]
    print(f"\n{name}: {logs} logs, cap {limit}, {strategy}")
    print("  outcomes: " + ", ".join(f"{o.value}={n}" for o, n in outcomes.items()))
    for call, count in sorted(counter.calls.items()):
        print(f"  {call:<28} {count:>6}   {count / logs:6.2f} per log")
    tried = counter.calls["  tx account-item write (tried)"]
    print(f"  account-item writes tried per admitted log: {tried / max(stored, 1):.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--logs", type=int, default=300)
    parser.add_argument("--limit", type=int, default=150)
    args = parser.parse_args()
    with mock_aws():
        outputs = deploy_in_moto()
        wiring.accounts().create_account("bench", "paid")
        counter = CallCounter("bench")
        for client in (aws.client("dynamodb"), aws.table(outputs["LogsTableName"]).meta.client):
            client.meta.events.register("before-parameter-build.dynamodb.*", counter)
        run("room", args.limit, args.limit, evict=False, counter=counter)
        run("stop-inserting", args.logs, args.limit, evict=False, counter=counter)
        run("delete-oldest", args.logs, args.limit, evict=True, counter=counter)

    direct = ACCOUNT_PARTITION_WRU_PER_S / TRANSACTIONAL_WRU_PER_ITEM
    print("\nAccount item (one partition, 1,000 WRU/s; a transactional write costs 2 WRU):")
    print(f"  direct writes, 1 account write per log:           ~{direct:,.0f} logs/s per account")
    print(
        f"  pipeline batches, 1 account write per {PIPELINE_BATCH} logs:"
        f"   ~{direct * PIPELINE_BATCH:,.0f} logs/s per account"
    )


if __name__ == "__main__":
    main()
