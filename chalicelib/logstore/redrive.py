"""Move dead-lettered log messages back to the log queue, to be stored again.

    python -m chalicelib.logstore.redrive [--limit N]

Reads AIG_LOG_DLQ_URL and AIG_LOG_QUEUE_URL (and the usual AWS settings; for `make run`
add AWS_ENDPOINT_URL=http://127.0.0.1:4566 and the dummy credentials). Storing is
idempotent, so re-driving a message whose log was stored meanwhile stores nothing twice.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from chalicelib import aws, telemetry
from chalicelib.settings import Settings
from chalicelib.telemetry import Metric

if TYPE_CHECKING:  # the boto3 type stubs are a development dependency only
    from mypy_boto3_sqs import SQSClient


def redrive(sqs: SQSClient, dead_letter_url: str, queue_url: str, limit: int | None = None) -> int:
    """Move messages from the dead-letter queue back to the log queue; return how many."""
    moved = 0
    while limit is None or moved < limit:
        answer = sqs.receive_message(QueueUrl=dead_letter_url, MaxNumberOfMessages=10)
        messages = answer.get("Messages", [])
        if not messages:
            break
        for message in messages[: None if limit is None else limit - moved]:
            sqs.send_message(QueueUrl=queue_url, MessageBody=message["Body"])
            sqs.delete_message(QueueUrl=dead_letter_url, ReceiptHandle=message["ReceiptHandle"])
            moved += 1
    if moved:
        telemetry.count(Metric.DLQ_REDRIVES, moved)
    return moved


def main(argv: list[str] | None = None) -> int:
    """Re-drive the dead-letter queue of this deployment."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, help="move at most this many messages")
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    if not settings.log_dlq_url or not settings.log_queue_url:
        print("error: set AIG_LOG_DLQ_URL and AIG_LOG_QUEUE_URL", file=sys.stderr)
        return 1
    moved = redrive(aws.client("sqs"), settings.log_dlq_url, settings.log_queue_url, args.limit)
    print(f"moved {moved} message(s) back to the log queue")
    telemetry.flush()  # in a function, the count reaches CloudWatch; here, stdout
    return 0


if __name__ == "__main__":
    sys.exit(main())
