"""Least-privilege IAM of each function of the stack, generated with the templates.

Each function gets its own role holding only what its code calls: `NEEDS` names, per
function, the grants below; each grant is a list of statements on the stack's own
resources (no `*` resource, no hard-coded partition, region or names). DynamoDB
transactions need no action of their own: each of their items is authorized as a PutItem,
UpdateItem, DeleteItem or ConditionCheckItem.
"""

from __future__ import annotations

from typing import Any

Statement = dict[str, Any]

_TABLE_READ = ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query"]
_TABLE_WRITE = [
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:ConditionCheckItem",
]


def _table(logical_id: str, actions: list[str], sid: str) -> Statement:
    arn = {"Fn::GetAtt": [logical_id, "Arn"]}
    return {
        "Sid": sid,
        "Effect": "Allow",
        "Action": actions,
        "Resource": [arn, {"Fn::Sub": f"${{{logical_id}.Arn}}/index/*"}],
    }


def _bucket(actions: list[str], sid: str, objects: str | None = "*") -> Statement:
    """A statement on the bodies bucket's objects matching `objects` (None: the bucket)."""
    resource = (
        {"Fn::Sub": f"${{BodiesBucket.Arn}}/{objects}"}
        if objects
        else {"Fn::GetAtt": ["BodiesBucket", "Arn"]}
    )
    return {"Sid": sid, "Effect": "Allow", "Action": actions, "Resource": resource}


def _queue(logical_id: str, actions: list[str], sid: str) -> Statement:
    return {
        "Sid": sid,
        "Effect": "Allow",
        "Action": actions,
        "Resource": {"Fn::GetAtt": [logical_id, "Arn"]},
    }


GRANTS: dict[str, list[Statement]] = {
    "logs-table": [_table("LogsTable", _TABLE_READ + _TABLE_WRITE, "LogsTable")],
    "control-table": [_table("ControlTable", _TABLE_READ + _TABLE_WRITE, "ControlTable")],
    "control-table-scan": [_table("ControlTable", ["dynamodb:Scan"], "ControlTableScan")],
    "bodies": [
        _bucket(["s3:GetObject", "s3:PutObject", "s3:PutObjectTagging"], "Bodies"),
        # Without it a missing object is 403 instead of 404 (NoSuchKey).
        _bucket(["s3:ListBucket"], "BodiesList", objects=None),
    ],
    "bodies-read": [
        _bucket(["s3:GetObject"], "BodiesRead"),
        _bucket(["s3:ListBucket"], "BodiesList", objects=None),
    ],
    # The export's Parquet objects and checkpoints (chalicelib.export.schedule), nothing else.
    "exports-write": [_bucket(["s3:PutObject", "s3:DeleteObject"], "ExportsWrite", "exports/*")],
    "logs-table-read": [_table("LogsTable", _TABLE_READ, "LogsTableRead")],
    "control-table-read": [_table("ControlTable", _TABLE_READ, "ControlTableRead")],
    "bodies-delete": [_bucket(["s3:DeleteObject"], "BodiesDelete")],
    # GetQueueAttributes: the deep health check (GET /healthz?deep=1).
    "log-queue-send": [
        _queue("LogQueue", ["sqs:SendMessage", "sqs:GetQueueAttributes"], "LogQueueSend")
    ],
    "log-queue-consume": [
        _queue(
            "LogQueue",
            [
                "sqs:ReceiveMessage",
                "sqs:DeleteMessage",
                "sqs:ChangeMessageVisibility",
                "sqs:GetQueueAttributes",
            ],
            "LogQueueConsume",
        )
    ],
    "cursor-secret": [
        {
            "Sid": "CursorSecret",
            "Effect": "Allow",
            "Action": "secretsmanager:GetSecretValue",
            "Resource": {"Ref": "CursorSecret"},
        }
    ],
    # Stored provider keys (envelope encryption): the API makes data keys (and, serving the
    # buffered proxy routes, unwraps them); the proxies only unwrap.
    "provider-keys-encrypt": [
        {
            "Sid": "ProviderKeysEncrypt",
            "Effect": "Allow",
            "Action": "kms:GenerateDataKey",
            "Resource": {"Fn::GetAtt": ["ProviderKeysKey", "Arn"]},
        }
    ],
    "provider-keys-decrypt": [
        {
            "Sid": "ProviderKeysDecrypt",
            "Effect": "Allow",
            "Action": "kms:Decrypt",
            "Resource": {"Fn::GetAtt": ["ProviderKeysKey", "Arn"]},
        }
    ],
    "tracing": [
        {
            "Sid": "Tracing",
            "Effect": "Allow",
            "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
            "Resource": "*",  # X-Ray has no resource-level permissions
        }
    ],
}
"""Named grants on the stack's resources."""

NEEDS: dict[str, list[str]] = {
    # Management, logs and analytics APIs (purges scan; deletes remove bodies), and the
    # buffered proxy routes (rate limits, cache, queue sink with its direct fallback).
    "APIHandler": [
        "logs-table",
        "control-table",
        "bodies",
        "bodies-delete",
        "log-queue-send",
        "cursor-secret",
        "provider-keys-encrypt",
        "provider-keys-decrypt",
    ],
    # The log pipeline: admits batches, packs bodies, drops (deleting sink-put bodies).
    "WriteLogs": ["logs-table", "control-table", "bodies", "bodies-delete", "log-queue-consume"],
    # Rewrites packs whose live share fell: lists packs, repoints their logs, deletes packs.
    "CompactPacks": ["logs-table", "bodies", "bodies-delete"],
    # Exports logpush gateways hourly: finds them (logpush index), reads their logs and
    # bodies, writes Parquet and checkpoints under exports/ only.
    "ExportLogs": ["logs-table-read", "control-table-read", "bodies-read", "exports-write"],
    # Gives back what abandoned batch intents hold: walks accounts, fixes counters.
    "RepairIntents": ["logs-table", "control-table", "control-table-scan"],
}
"""The grants of each Chalice function, by its logical id."""


def policy_statements(function: str, log_group: str) -> list[Statement]:
    """The statements of `function`'s role: its grants, its own log group, tracing."""
    logs: Statement = {
        "Sid": "Logs",
        "Effect": "Allow",
        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": {"Fn::GetAtt": [log_group, "Arn"]},
    }
    grants = [statement for name in NEEDS[function] for statement in GRANTS[name]]
    return [logs, *grants, *GRANTS["tracing"]]
