"""One stage's whole stack, from `chalice package`'s template and the fragments in infra/.

    stack = build(chalice_template, stage="prod")

The stack holds the storage (infra/template.yaml), the control plane (the functions and REST
API `chalice package` writes, infra/api-gateway-responses.yaml merged in by it), the
streaming data plane (infra/dataplane.yaml), operations (infra/operations.yaml: the
cursor secret and alarms) and the log export (infra/export.yaml: the export function's
layer and the Glue table of its Parquet files, its columns from chalicelib.export). Every
name, URL and secret reaches the functions as a reference to the stack's own resources, so
stages (one stack each) share nothing; each function gets its own least-privilege role
(infra/iam.py), log group with retention, tracing, and error and throttle alarms. Code
comes from the `CodeBucket`/`CodeKey` parameters (the zip of `chalice package`, uploaded
by infra/deploy.py).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from chalice.package import YAMLTemplateSerializer

from chalicelib.export.columns import athena_columns
from infra import iam
from infra.references import renamed

INFRA = Path(__file__).resolve().parent
STORAGE_PATH = INFRA / "template.yaml"
DATAPLANE_PATH = INFRA / "dataplane.yaml"
OPERATIONS_PATH = INFRA / "operations.yaml"
EXPORT_PATH = INFRA / "export.yaml"

DATAPLANE_NAMES = {
    # its parameters, now the stack's resources
    "LogsTableName": "LogsTable",
    "ControlTableName": "ControlTable",
    "BodiesBucketName": "BodiesBucket",
    "LogQueueUrl": "LogQueue",
    "ProviderKeysKeyId": "ProviderKeysKey",
    "FunctionName": "DataPlaneFunctionName",
    # its resources, prefixed
    "LogGroup": "DataPlaneLogGroup",
    "Role": "DataPlaneRole",
    "Function": "DataPlane",
    "FunctionUrl": "DataPlaneFunctionUrl",
    "UrlInvokePermission": "DataPlaneUrlInvokePermission",
    "UrlFunctionPermission": "DataPlaneUrlFunctionPermission",
}
"""How infra/dataplane.yaml's logical ids read inside the stack."""

DATAPLANE_PARAMETERS_BOUND = (
    "LogsTableName",
    "ControlTableName",
    "BodiesBucketName",
    "LogQueueUrl",
    "ProviderKeysKeyId",
)

TELEMETRY_ENVIRONMENT = {
    "POWERTOOLS_SERVICE_NAME": "ai-gateway",
    "POWERTOOLS_METRICS_NAMESPACE": "AIGateway",
}
"""Where every function's structured logs and metrics go (chalicelib.telemetry)."""

FUNCTION_ENVIRONMENT = {
    "AIG_LOGS_TABLE": {"Ref": "LogsTable"},
    "AIG_CONTROL_TABLE": {"Ref": "ControlTable"},
    "AIG_BODIES_BUCKET": {"Ref": "BodiesBucket"},
    "AIG_LOG_QUEUE_URL": {"Ref": "LogQueue"},
    "AIG_LOG_DLQ_URL": {"Ref": "LogDeadLetterQueue"},
    "AIG_CURSOR_SECRET_ARN": {"Ref": "CursorSecret"},
    "AIG_PROVIDER_KEYS_KMS_KEY": {"Ref": "ProviderKeysKey"},
    "AIG_DATA_PLANE_URL": {"Fn::GetAtt": ["DataPlaneFunctionUrl", "FunctionUrl"]},
    "AIG_SQS_PARTIAL_RESPONSES": "1",
    **TELEMETRY_ENVIRONMENT,
}
"""What every Chalice function reads of the stack (on top of its stage's settings)."""

LOG_WRITER = "WriteLogs"
"""The function `chalice package` makes of app.write_logs (the SQS consumer)."""
LOG_EXPORT = "ExportLogs"
"""The function of app.export_logs (the hourly export; pyarrow from its layer)."""
EXPORT_LAYER_DEFAULT = (
    "arn:${AWS::Partition}:lambda:${AWS::Region}:336392948345:layer:AWSSDKPandas-Python311:33"
)
"""AWS SDK for pandas 3.17.0 (pyarrow, about 167 MB unzipped) in the stack's region: the
version of most regions (others: the stack parameter ExportLayerArn)."""


def build(chalice_template: dict[str, Any], stage: str) -> dict[str, Any]:
    """The stage's stack: `chalice_template` (from `chalice package`) completed."""
    stack = copy.deepcopy(chalice_template)
    stack["Description"] = f"AI gateway, stage {stage}: storage, control plane, data plane."
    fragments = (
        load_template(STORAGE_PATH),
        _dataplane(),
        load_template(OPERATIONS_PATH),
        _export(),
    )
    for fragment in fragments:
        _add(stack, fragment)
    stack["Parameters"]["Prefix"]["Default"] = f"aig-{stage}"
    stack["Parameters"]["DataPlaneFunctionName"]["Default"] = f"aig-{stage}-dataplane"
    stack["Parameters"].update(_code_parameters())
    stack["Parameters"]["LogWriterMaxConcurrency"] = {
        "Type": "Number",
        "Default": 5,
        "MinValue": 2,
        "MaxValue": 1000,
        "Description": "At most this many log writers run at once (the rest of the "
        "account's Lambda concurrency stays free for the API).",
    }
    api = stack["Resources"]["RestAPI"]["Properties"]
    api["Name"] = {"Fn::Sub": "${AWS::StackName}-api"}
    for name in _chalice_functions(stack):
        _complete_function(stack, name)
    data_plane_logs = stack["Resources"]["DataPlaneLogGroup"]["Properties"]
    data_plane_logs["RetentionInDays"] = {"Ref": "LogRetentionDays"}
    for name in (*_chalice_functions(stack), "DataPlane"):
        stack["Resources"].update(_function_alarms(name))
    return stack


def load_template(path: Path) -> dict[str, Any]:
    """A YAML template of infra/, its short-form tags (!Ref, !Sub, ...) in long form."""
    loaded: dict[str, Any] = YAMLTemplateSerializer().load_template(path.read_text(), str(path))
    return loaded


def _dataplane() -> dict[str, Any]:
    """infra/dataplane.yaml with its storage parameters bound to the stack's resources."""
    fragment = load_template(DATAPLANE_PATH)
    for name in DATAPLANE_PARAMETERS_BOUND:
        del fragment["Parameters"][name]
    for name in ("CodeBucket", "CodeKey"):
        del fragment["Parameters"][name]  # the stack's own (_code_parameters)
    fragment = renamed(fragment, DATAPLANE_NAMES)
    fragment["Parameters"] = {
        DATAPLANE_NAMES.get(name, name): value for name, value in fragment["Parameters"].items()
    }
    fragment["Resources"] = {
        DATAPLANE_NAMES[name]: value for name, value in fragment["Resources"].items()
    }
    fragment["Outputs"] = {
        name: value for name, value in fragment["Outputs"].items() if name == "DataPlaneUrl"
    }
    return fragment


def _export() -> dict[str, Any]:
    """infra/export.yaml with the Glue table's columns: the export's own, Athena-typed."""
    fragment = load_template(EXPORT_PATH)
    table = fragment["Resources"]["ExportLogsTable"]["Properties"]["TableInput"]
    table["StorageDescriptor"]["Columns"] = athena_columns()
    return fragment


def _code_parameters() -> dict[str, Any]:
    return {
        "CodeBucket": {
            "Type": "String",
            "Description": "S3 bucket of the deployment package (infra/deploy.py uploads it).",
        },
        "CodeKey": {
            "Type": "String",
            "Description": "Key of the deployment package (the zip of `chalice package`).",
        },
    }


def _add(stack: dict[str, Any], fragment: dict[str, Any]) -> None:
    """Merge a fragment's sections into the stack; a logical id defined twice is an error."""
    for section in ("Parameters", "Conditions", "Resources", "Outputs"):
        mine = stack.setdefault(section, {})
        theirs = fragment.get(section, {})
        clash = set(mine) & set(theirs)
        if clash:
            raise ValueError(f"{section} defined twice: {sorted(clash)}")
        mine.update(theirs)


def _chalice_functions(stack: dict[str, Any]) -> list[str]:
    return sorted(
        name
        for name, resource in stack["Resources"].items()
        if resource["Type"] == "AWS::Serverless::Function"
    )


def _complete_function(stack: dict[str, Any], name: str) -> None:
    """Wire one Chalice function to the stack: code, settings, role, logs, tracing."""
    resources = stack["Resources"]
    props = resources[name]["Properties"]
    props["CodeUri"] = {"Bucket": {"Ref": "CodeBucket"}, "Key": {"Ref": "CodeKey"}}
    variables = props.setdefault("Environment", {}).setdefault("Variables", {})
    variables.update(FUNCTION_ENVIRONMENT)
    props["Tracing"] = "Active"
    log_group = f"{name}LogGroup"
    resources[log_group] = {
        "Type": "AWS::Logs::LogGroup",
        "DeletionPolicy": "Delete",
        "UpdateReplacePolicy": "Delete",
        "Properties": {
            "LogGroupName": {"Fn::Sub": f"/aws/lambda/${{AWS::StackName}}/{name}"},
            "RetentionInDays": {"Ref": "LogRetentionDays"},
        },
    }
    props["LoggingConfig"] = {"LogGroup": {"Ref": log_group}, "LogFormat": "JSON"}
    role = props["Role"]["Fn::GetAtt"][0]
    resources[role]["Properties"]["Policies"] = [
        {
            "PolicyName": f"{name}Policy",
            "PolicyDocument": {
                "Version": "2012-10-17",
                "Statement": iam.policy_statements(name, log_group),
            },
        }
    ]
    if name == LOG_EXPORT:
        variables["AIG_EXPORT_BODIES"] = {"Ref": "ExportBodies"}
        props["Layers"] = [
            {
                "Fn::If": [
                    "HasExportLayerArn",
                    {"Ref": "ExportLayerArn"},
                    {"Fn::Sub": EXPORT_LAYER_DEFAULT},
                ]
            }
        ]
    if name == LOG_WRITER:
        (event,) = props["Events"].values()
        event["Properties"]["Queue"] = {"Fn::GetAtt": ["LogQueue", "Arn"]}
        event["Properties"]["FunctionResponseTypes"] = ["ReportBatchItemFailures"]
        event["Properties"]["ScalingConfig"] = {
            "MaximumConcurrency": {"Ref": "LogWriterMaxConcurrency"}
        }


def _function_alarms(function: str) -> dict[str, Any]:
    """Alarms on a function's errors and throttles (any in five minutes)."""
    alarms = {}
    for metric in ("Errors", "Throttles"):
        alarms[f"{function}{metric}Alarm"] = {
            "Type": "AWS::CloudWatch::Alarm",
            "Properties": {
                "AlarmDescription": {"Fn::Sub": f"${{{function}}}: {metric.lower()}"},
                "Namespace": "AWS/Lambda",
                "MetricName": metric,
                "Dimensions": [{"Name": "FunctionName", "Value": {"Ref": function}}],
                "Statistic": "Sum",
                "Period": 300,
                "EvaluationPeriods": 1,
                "Threshold": 0,
                "ComparisonOperator": "GreaterThanThreshold",
                "TreatMissingData": "notBreaching",
                "AlarmActions": _notify(),
                "OKActions": _notify(),
            },
        }
    return alarms


def _notify() -> dict[str, Any]:
    return {"Fn::If": ["HasAlarmTopic", [{"Ref": "AlarmTopicArn"}], {"Ref": "AWS::NoValue"}]}
