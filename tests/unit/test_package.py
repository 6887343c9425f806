"""`make package`: the stage's whole stack (infra/package.py, infra/stack.py, infra/iam.py),
checked offline: it lints, the SAM transform expands it, and it is wired as deployed."""

from __future__ import annotations

import json
import os
import re
import stat
import zipfile
from pathlib import Path
from typing import Any

import pytest
from cfnlint.api import lint
from samtranslator.translator.transform import transform

from chalicelib.dashboard import FILES, STATIC_DIR
from chalicelib.export import CHECKPOINT_PREFIX, EXPORT_PREFIX, PARTITION_KEYS, athena_columns
from chalicelib.settings import Settings
from infra import iam
from infra.package import (
    DASHBOARD_DIR,
    GATEWAY_RESPONSES_PATH,
    PACKAGE_NAME,
    ROOT,
    TEMPLATE_NAME,
    package,
)
from infra.stack import FUNCTION_ENVIRONMENT, load_template

CHALICE_FUNCTIONS = ("APIHandler", "CompactPacks", "ExportLogs", "RepairIntents", "WriteLogs")
LAMBDA_UNZIPPED_LIMIT = 262_144_000
"""A function's code and layers together, unzipped (Lambda's quota)."""
EXPORT_LAYER_BYTES = 175 * 2**20
"""The export function's layer, unzipped: AWS SDK for pandas 3.17.0 is about 167 MB."""


class _NoManagedPolicies:
    """SAM's managed-policy lookup (the stack names none)."""

    def load(self) -> dict[str, str]:
        return {}


@pytest.fixture(scope="module")
def packaged(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("dist")
    return {stage: package(stage, out) for stage in ("dev", "prod")}


@pytest.fixture(scope="module")
def stack(packaged: dict[str, Path]) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((packaged["prod"] / TEMPLATE_NAME).read_text())
    return loaded


@pytest.fixture(scope="module")
def expanded(stack: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    region = os.environ.get("AWS_DEFAULT_REGION")
    os.environ["AWS_DEFAULT_REGION"] = "eu-west-1"  # SAM builds some ARNs with a region
    try:
        out: dict[str, Any] = transform(json.loads(json.dumps(stack)), {}, _NoManagedPolicies())
    finally:
        if region is None:
            del os.environ["AWS_DEFAULT_REGION"]
        else:
            os.environ["AWS_DEFAULT_REGION"] = region
    return out


def _lint(template: dict[str, Any]) -> list[str]:
    return [str(match) for match in lint(json.dumps(template))]


def test_the_stack_lints_clean(stack: dict[str, Any]) -> None:
    assert _lint(stack) == []


def test_the_sam_transform_expands_it_and_the_result_lints_clean(
    expanded: dict[str, Any],
) -> None:
    assert "Transform" not in expanded
    types = {resource["Type"] for resource in expanded["Resources"].values()}
    assert "AWS::Serverless::Function" not in types and "AWS::Lambda::Function" in types
    assert "AWS::Lambda::EventSourceMapping" in types
    assert _lint(expanded) == []


def test_the_package_holds_every_functions_code(packaged: dict[str, Path]) -> None:
    with zipfile.ZipFile(packaged["prod"] / PACKAGE_NAME) as package_zip:
        names = set(package_zip.namelist())
        run_sh = package_zip.getinfo("chalicelib/dataplane/run.sh")
    assert {"app.py", "chalicelib/wiring.py", "chalicelib/dataplane/wsgi.py"} <= names
    assert (run_sh.external_attr >> 16) & stat.S_IXUSR  # the data plane's handler runs
    assert any(name.startswith("httpx/") for name in names)
    assert any(name.startswith("boto3/") for name in names)  # the tested boto3, not the runtime's


def test_the_dashboard_is_in_the_package_and_beside_it(packaged: dict[str, Path]) -> None:
    """The API function serves /dashboard from the zip; dist/<stage>/dashboard/ holds the
    same files to serve as static files."""
    with zipfile.ZipFile(packaged["prod"] / PACKAGE_NAME) as package_zip:
        names = set(package_zip.namelist())
    assert {f"chalicelib/dashboard/static/{name}" for name in FILES} <= names
    folder = packaged["prod"] / DASHBOARD_DIR
    assert sorted(path.name for path in folder.iterdir()) == sorted(FILES)
    for name in FILES:
        assert (folder / name).read_bytes() == (STATIC_DIR / name).read_bytes()


def test_every_function_reads_the_stacks_own_resources(stack: dict[str, Any]) -> None:
    resources = stack["Resources"]
    for name in CHALICE_FUNCTIONS:
        variables = resources[name]["Properties"]["Environment"]["Variables"]
        assert {k: variables[k] for k in FUNCTION_ENVIRONMENT} == FUNCTION_ENVIRONMENT
        resolved = {k: _resolve(v) for k, v in variables.items()}
        settings = Settings.from_env(resolved)
        assert settings.logs_table == "LogsTable.Ref" and settings.log_sink == "queue"
        assert settings.cursor_secret_arn == "CursorSecret.Ref"
        assert settings.provider_keys_kms_key == "ProviderKeysKey.Ref"
        assert settings.sqs_partial_responses
    data_plane = resources["DataPlane"]["Properties"]["Environment"]["Variables"]
    assert data_plane["AIG_LOGS_TABLE"] == {"Ref": "LogsTable"}
    assert data_plane["AIG_LOG_QUEUE_URL"] == {"Ref": "LogQueue"}
    text = json.dumps(stack)
    assert "REPLACE" not in text and "aig-logs" not in text and "aig-log-queue" not in text


def test_stages_share_nothing(packaged: dict[str, Path]) -> None:
    stacks = {
        stage: json.loads((folder / TEMPLATE_NAME).read_text())
        for stage, folder in packaged.items()
    }
    assert stacks["dev"]["Parameters"]["Prefix"]["Default"] == "aig-dev"
    assert stacks["prod"]["Parameters"]["Prefix"]["Default"] == "aig-prod"
    for stack in stacks.values():
        resources = stack["Resources"]
        for name in ("LogsTable", "ControlTable"):
            assert "${Prefix}" in resources[name]["Properties"]["TableName"]["Fn::Sub"]
        assert "${Prefix}" in resources["LogQueue"]["Properties"]["QueueName"]["Fn::Sub"]
        assert "${Prefix}" in resources["CursorSecret"]["Properties"]["Name"]["Fn::Sub"]
        api = resources["RestAPI"]["Properties"]["Name"]
        assert api == {"Fn::Sub": "${AWS::StackName}-api"}


def test_each_function_has_its_own_least_privilege_role(stack: dict[str, Any]) -> None:
    resources = stack["Resources"]
    roles = set()
    for name in CHALICE_FUNCTIONS:
        role = resources[name]["Properties"]["Role"]["Fn::GetAtt"][0]
        roles.add(role)
        (policy,) = resources[role]["Properties"]["Policies"]
        statements = policy["PolicyDocument"]["Statement"]
        assert statements == iam.policy_statements(name, f"{name}LogGroup")
        for statement in statements:
            if statement["Sid"] == "Tracing":
                continue
            for resource in _as_list(statement["Resource"]):
                assert _refers_to_the_stack(resource, resources), resource
        actions = {a for s in statements for a in _as_list(s["Action"])}
        assert "dynamodb:TransactWriteItems" not in actions  # not an IAM action
        consuming = {"sqs:ReceiveMessage", "sqs:DeleteMessage"} <= actions
        assert consuming == (name == "WriteLogs")
        assert ("secretsmanager:GetSecretValue" in actions) == (name == "APIHandler")
        assert ("dynamodb:Scan" in actions) == (name == "RepairIntents")
        assert ("kms:GenerateDataKey" in actions) == (name == "APIHandler")
    assert len(roles) == len(CHALICE_FUNCTIONS)


def test_the_log_writer_reports_failures_is_capped_and_fits_the_visibility_timeout(
    stack: dict[str, Any],
) -> None:
    resources = stack["Resources"]
    writer = resources["WriteLogs"]["Properties"]
    (event,) = writer["Events"].values()
    assert event["Properties"]["Queue"] == {"Fn::GetAtt": ["LogQueue", "Arn"]}
    assert event["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert event["Properties"]["ScalingConfig"] == {
        "MaximumConcurrency": {"Ref": "LogWriterMaxConcurrency"}
    }
    visibility = resources["LogQueue"]["Properties"]["VisibilityTimeout"]
    assert visibility >= 6 * writer["Timeout"]


def test_compaction_has_its_own_timeout(stack: dict[str, Any]) -> None:
    assert stack["Resources"]["CompactPacks"]["Properties"]["Timeout"] == 900
    assert stack["Resources"]["APIHandler"]["Properties"]["Timeout"] == 60


def test_the_export_runs_hourly_with_its_layer_and_writes_only_the_export_prefix(
    stack: dict[str, Any],
) -> None:
    resources = stack["Resources"]
    export = resources["ExportLogs"]["Properties"]
    assert export["Timeout"] == 900 and export["Handler"] == "app.export_logs"
    (event,) = export["Events"].values()
    assert event["Properties"]["Schedule"] == "cron(20 * * * ? *)"
    (layer,) = export["Layers"]
    condition, given, default = layer["Fn::If"]
    assert stack["Conditions"][condition] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "ExportLayerArn"}, ""]}]
    }
    assert given == {"Ref": "ExportLayerArn"}
    assert default["Fn::Sub"].startswith("arn:${AWS::Partition}:lambda:${AWS::Region}:")
    assert "layer:AWSSDKPandas-Python311:" in default["Fn::Sub"]
    variables = export["Environment"]["Variables"]
    assert variables["AIG_EXPORT_BODIES"] == {"Ref": "ExportBodies"}
    role = export["Role"]["Fn::GetAtt"][0]
    (policy,) = resources[role]["Properties"]["Policies"]
    statements = policy["PolicyDocument"]["Statement"]
    writes = {
        action
        for statement in statements
        for action in _as_list(statement["Action"])
        if action.startswith(("s3:Put", "s3:Delete", "dynamodb:Put", "dynamodb:Update"))
        or action.startswith(("dynamodb:Delete", "dynamodb:BatchWrite"))
    }
    assert writes == {"s3:PutObject", "s3:DeleteObject"}
    (write,) = [s for s in statements if "s3:PutObject" in _as_list(s["Action"])]
    assert write["Resource"] == {"Fn::Sub": "${BodiesBucket.Arn}/exports/*"}
    assert EXPORT_PREFIX.startswith("exports/") and CHECKPOINT_PREFIX.startswith("exports/")


def test_athena_reads_the_export_through_a_projected_glue_table(stack: dict[str, Any]) -> None:
    resources = stack["Resources"]
    database = resources["ExportDatabase"]["Properties"]["DatabaseInput"]["Name"]
    assert database == {"Fn::Join": ["_", {"Fn::Split": ["-", {"Ref": "Prefix"}]}]}
    table = resources["ExportLogsTable"]["Properties"]
    assert table["DatabaseName"] == {"Ref": "ExportDatabase"}
    given = table["TableInput"]
    assert given["TableType"] == "EXTERNAL_TABLE"
    assert [key["Name"] for key in given["PartitionKeys"]] == list(PARTITION_KEYS)
    storage = given["StorageDescriptor"]
    assert storage["Columns"] == athena_columns()
    assert "parquet" in storage["SerdeInfo"]["SerializationLibrary"].lower()
    location = "s3://${BodiesBucket}/" + EXPORT_PREFIX
    assert storage["Location"] == {"Fn::Sub": location}
    parameters = given["Parameters"]
    assert parameters["projection.enabled"] == "true"
    assert parameters["projection.date.type"] == "date"
    assert parameters["projection.date.format"] == "yyyy-MM-dd"
    assert parameters["storage.location.template"] == {
        "Fn::Sub": location + "account_id=${!account_id}/gateway_id=${!gateway_id}/date=${!date}/"
    }


def test_the_export_function_fits_beside_its_layer(packaged: dict[str, Path]) -> None:
    with zipfile.ZipFile(packaged["prod"] / PACKAGE_NAME) as package_zip:
        unzipped = sum(info.file_size for info in package_zip.infolist())
        names = package_zip.namelist()
    assert not any(name.startswith(("pyarrow/", "duckdb/")) for name in names)
    assert unzipped + EXPORT_LAYER_BYTES <= LAMBDA_UNZIPPED_LIMIT, unzipped


def test_every_function_is_traced_logs_with_retention_and_has_alarms(
    stack: dict[str, Any],
) -> None:
    resources = stack["Resources"]
    for name in CHALICE_FUNCTIONS:
        props = resources[name]["Properties"]
        assert props["Tracing"] == "Active"
        group = props["LoggingConfig"]["LogGroup"]["Ref"]
        assert resources[group]["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    assert resources["DataPlane"]["Properties"]["TracingConfig"] == {"Mode": "Active"}
    data_plane_group = resources["DataPlaneLogGroup"]["Properties"]
    assert data_plane_group["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    for name in (*CHALICE_FUNCTIONS, "DataPlane"):
        for metric in ("Errors", "Throttles"):
            alarm = resources[f"{name}{metric}Alarm"]["Properties"]
            assert alarm["MetricName"] == metric
            assert alarm["Dimensions"] == [{"Name": "FunctionName", "Value": {"Ref": name}}]
    for name in ("LogDeadLetterAlarm", "LogQueueAgeAlarm", "ApiServerErrorsAlarm"):
        actions = resources[name]["Properties"]["AlarmActions"]
        assert actions["Fn::If"][0] == "HasAlarmTopic"


def test_make_package_and_lint_check_the_stack() -> None:
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"\npackage:.*\n\t\$\(PY\) -m infra.package", makefile)
    lint_target = makefile[makefile.index("\nlint:") : makefile.index("\ntest:")]
    assert "cfn-lint dist/" in lint_target


def _resolve(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"Ref"}:
        return f"{value['Ref']}.Ref"
    return value


def _refers_to_the_stack(resource: Any, resources: dict[str, Any]) -> bool:
    """A resource of a statement names one of the stack's own: `Ref`, `GetAtt ... Arn`,
    or a `Sub` that starts from one (its objects, its indexes): no literal ARN."""
    if not isinstance(resource, dict):
        return False
    if "Ref" in resource or "Fn::GetAtt" in resource:
        target = resource.get("Ref") or resource["Fn::GetAtt"][0]
        return target in resources
    match = re.fullmatch(
        r"\$\{([A-Za-z0-9]+)\.Arn\}(/index/\*|/exports/\*|/\*)", resource["Fn::Sub"]
    )
    return match is not None and match[1] in resources


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


# API Gateway's own answers (infra/api-gateway-responses.yaml) ---------------------------

RESPONSES = load_template(GATEWAY_RESPONSES_PATH)["Resources"]["RestAPI"]["Properties"][
    "DefinitionBody"
]["x-amazon-apigateway-gateway-responses"]


def test_unknown_paths_and_limits_have_their_status() -> None:
    statuses = {name: response.get("statusCode") for name, response in RESPONSES.items()}
    assert statuses["MISSING_AUTHENTICATION_TOKEN"] == "404"
    assert statuses["INVALID_SIGNATURE"] == "404"  # unknown path + Authorization header
    assert statuses["REQUEST_TOO_LARGE"] == "413"
    assert statuses["DEFAULT_4XX"] is None and statuses["DEFAULT_5XX"] is None


@pytest.mark.parametrize("name", sorted(RESPONSES))
def test_every_gateway_response_is_a_fixed_envelope(name: str) -> None:
    response: dict[str, Any] = RESPONSES[name]
    assert set(response) <= {"statusCode", "responseTemplates"}  # no header mapping at all
    (template,) = response["responseTemplates"].values()
    assert "$" not in template and "#" not in template  # no VTL: nothing of the request
    body = json.loads(template)
    assert body["success"] is False and body["messages"] == [] and body["result"] is None
    (error,) = body["errors"]
    assert isinstance(error["code"], int) and error["message"]


def test_the_packaged_api_carries_the_gateway_responses(stack: dict[str, Any]) -> None:
    api = stack["Resources"]["RestAPI"]
    assert api["Type"] == "AWS::Serverless::Api" and api["Properties"]["StageName"] == "prod"
    body = api["Properties"]["DefinitionBody"]
    assert "/healthz" in body["paths"]
    assert body["x-amazon-apigateway-gateway-responses"] == RESPONSES
