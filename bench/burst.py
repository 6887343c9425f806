"""Noisy neighbours in the log pipeline: when does a quiet account see its logs while a
busy one floods the shared queue?

    .venv/bin/python -m bench.burst [--busy 5000] [--quiet 10] [--quiet-after 1000]

In-process with moto (mock_aws). Deploys the stack, two paid accounts, the queue sink.
The busy account sends `--busy` logs; after its first `--quiet-after`, the quiet account
sends `--quiet` (each log its account's SQS message group, as deployed). Then the queue is
drained batch by batch (QueuePoller.poll_once, what one log-writer invocation does) and,
after each batch, the quiet account's stored count is read. Prints how many logs and
batches were drained before all the quiet account's logs were visible, and what that means
in time for a given writer throughput. moto's queue has no fair-queue scheduling: this is
the first-in, first-out worst case; SQS fair queues (a message group per account on a
standard queue) deliver the quiet group's messages ahead of the busy group's backlog.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from moto import mock_aws

from bench.moto_stack import deploy_in_moto
from chalicelib import aws, wiring
from chalicelib.logstore import (
    LogEntry,
    LogPolicy,
    LogRecord,
    QueuePoller,
    StoredBodies,
    new_log_id,
)
from chalicelib.timestamps import iso_utc

BUSY, QUIET = "busy", "quiet"
POLICY = LogPolicy(shard_count=16, evict_oldest=False)
BODIES = StoredBodies(b'{"model": "gpt-4o-mini", "messages": []}', b'{"choices": []}')


def _record(account: str) -> LogRecord:
    log_id = new_log_id()
    return LogRecord(
        id=log_id,
        created_at=iso_utc(datetime.now(UTC)),
        account_id=account,
        gateway_id="default",
        provider="openai",
        path="chat/completions",
        status_code=200,
        success=True,
        duration=120,
        model="gpt-4o-mini",
        tokens_in=100,
        tokens_out=20,
    )


def _deploy() -> None:
    deploy_in_moto(AIG_LOG_SINK="queue")
    accounts = wiring.accounts()
    for account in (BUSY, QUIET):
        accounts.create_account(account, "paid")
        accounts.create_gateway(account, "default", {})


def _stored(account: str) -> int:
    gateway = wiring.accounts().get_gateway(account, "default")
    return gateway.stored_logs if gateway else 0


def run(busy: int, quiet: int, quiet_after: int) -> tuple[int, int, int]:
    """Send the burst, drain it; return (logs drained, batches) when the quiet account's
    logs were all visible, and the batches of the whole drain."""
    _deploy()
    sink = wiring._sink(wiring.hot_path_limits())  # the proxy's own sink
    for index in range(busy):
        if index == quiet_after:
            for _ in range(quiet):
                sink.write(LogEntry(_record(QUIET), BODIES, POLICY))
        sink.write(LogEntry(_record(BUSY), BODIES, POLICY))
    settings = wiring.settings()
    assert settings.log_queue_url is not None
    poller = QueuePoller(aws.client("sqs"), settings.log_queue_url, wiring.batch_writer())
    drained = batches = 0
    visible_at: tuple[int, int] | None = None
    while moved := poller.poll_once():
        drained += moved
        batches += 1
        if visible_at is None and _stored(QUIET) == quiet:
            visible_at = (drained, batches)
    assert visible_at is not None and _stored(BUSY) == busy
    return visible_at[0], visible_at[1], batches


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--busy", type=int, default=5_000)
    parser.add_argument("--quiet", type=int, default=10)
    parser.add_argument("--quiet-after", type=int, default=1_000)
    parser.add_argument(
        "--writer-logs-per-s",
        type=float,
        default=500.0,
        help="drain throughput to turn batches into time (5 writers x ~100 logs/s each)",
    )
    args = parser.parse_args()
    with mock_aws():
        drained, batches, total = run(args.busy, args.quiet, args.quiet_after)
    sent = args.busy + args.quiet
    print(
        f"busy account: {args.busy:,} logs; quiet account: {args.quiet} logs, sent after the"
        f" busy one's first {args.quiet_after:,}"
    )
    print(
        f"first-in, first-out (moto): the quiet logs were all visible after {drained:,} of"
        f" {sent:,} logs drained ({batches} of {total} batches)"
    )
    print(
        f"  at {args.writer_logs_per_s:g} logs/s of log writers that is"
        f" {drained / args.writer_logs_per_s:.1f} s of delay for the quiet account,"
        f" {sent / args.writer_logs_per_s:.1f} s for the last busy log"
    )
    print(
        "with SQS fair queues (deployed: message group = account) the quiet group's messages"
        " are delivered ahead of the busy group's backlog: its delay stays near one batch"
    )


if __name__ == "__main__":
    main()
