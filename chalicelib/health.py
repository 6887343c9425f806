"""The deep health check (`GET /healthz?deep=1`): can this process reach what it needs?

One cheap call per dependency, each with the hot path's tight limits: a read of a key no
item has in each table, HeadBucket on the bodies bucket, and the log queue's attributes
(when the queue sink is on). A failure is reported by the error's code only: an answer
never carries a message from AWS (it may quote ARNs or request details).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.settings import Settings

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sqs import SQSClient

PROBE_KEY = {"pk": {"S": "HEALTH#probe"}, "sk": {"S": "#"}}
"""A key no item has (account ids cannot hold `#`)."""


def deep_checks(
    settings: Settings, dynamodb: DynamoDBClient, s3: S3Client, sqs: SQSClient
) -> dict[str, str]:
    """Check each dependency; return `{name: "ok" | error code}`."""
    probes: dict[str, Callable[[], object]] = {
        "logs_table": lambda: dynamodb.get_item(TableName=settings.logs_table, Key=PROBE_KEY),
        "control_table": lambda: dynamodb.get_item(TableName=settings.control_table, Key=PROBE_KEY),
        "bodies_bucket": lambda: s3.head_bucket(Bucket=settings.bodies_bucket),
    }
    if settings.log_queue_url:
        url = settings.log_queue_url
        probes["log_queue"] = lambda: sqs.get_queue_attributes(
            QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"]
        )
    return {name: _outcome(probe) for name, probe in probes.items()}


def _outcome(probe: Callable[[], object]) -> str:
    try:
        probe()
    except ClientError as error:
        return str(error.response.get("Error", {}).get("Code") or "ClientError")
    except BotoCoreError as error:
        return type(error).__name__  # unreachable endpoint, timeout, no credentials
    return "ok"
