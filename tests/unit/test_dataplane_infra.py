"""infra/dataplane.yaml (the data plane on Lambda behind a streaming Function URL) and its
handler chalicelib/dataplane/run.sh."""

from __future__ import annotations

import json
import os
import re
import socket
import stat
import sys
from pathlib import Path
from typing import Any

import pytest
from cfnlint.api import lint
from cfnlint.decode import decode_str

from chalicelib.settings import Settings
from infra import local

INFRA = Path(__file__).resolve().parents[2] / "infra"
TEMPLATE_TEXT = (INFRA / "dataplane.yaml").read_text()
TEMPLATE, DECODE_ERRORS = decode_str(TEMPLATE_TEXT)
RESOURCES = TEMPLATE["Resources"]
RUN_SH = INFRA.parent / "chalicelib" / "dataplane" / "run.sh"

# A deployment next to a storage stack made with Prefix=aig (infra/template.yaml).
ACCOUNT, REGION = "123456789012", "eu-west-1"
QUEUE_URL = f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/aig-log-queue"
KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"
PARAMETERS = {
    "FunctionName": "aig-dataplane",
    "CodeBucket": "artifacts",
    "CodeKey": "dataplane.zip",
    "LogsTableName": "aig-logs",
    "ControlTableName": "aig-control",
    "BodiesBucketName": f"aig-bodies-{ACCOUNT}-{REGION}",
    "LogQueueUrl": QUEUE_URL,
    "ProviderKeysKeyId": KEY_ID,
    "WebAdapterLayerVersion": "25",
}
PSEUDO = {"AWS::Partition": "aws", "AWS::Region": REGION, "AWS::AccountId": ACCOUNT}


def resolve(value: Any, names: dict[str, str] | None = None) -> Any:
    """Evaluate the intrinsic functions the template uses for PARAMETERS; GetAtt of a
    resource stays symbolic ("Resource.Attribute")."""
    names = {**PSEUDO, **PARAMETERS, **(names or {})}
    if isinstance(value, list):
        return [resolve(v, names) for v in value]
    if not isinstance(value, dict):
        return value
    if set(value) == {"Ref"}:
        return names.get(value["Ref"], value["Ref"])
    if set(value) == {"Fn::GetAtt"}:
        return ".".join(value["Fn::GetAtt"])
    if set(value) == {"Fn::Split"}:
        separator, text = value["Fn::Split"]
        return resolve(text, names).split(separator)
    if set(value) == {"Fn::Select"}:
        index, items = value["Fn::Select"]
        return resolve(items, names)[int(index)]
    if set(value) == {"Fn::Sub"}:
        sub = value["Fn::Sub"]
        text, extra = (sub, {}) if isinstance(sub, str) else sub
        local_names = {**names, **{k: resolve(v, names) for k, v in extra.items()}}
        return re.sub(r"\$\{([^}]+)\}", lambda m: str(local_names[m.group(1)]), text)
    return {k: resolve(v, names) for k, v in value.items()}


def statements() -> list[dict[str, Any]]:
    [policy] = RESOURCES["Role"]["Properties"]["Policies"]
    return resolve(policy["PolicyDocument"]["Statement"])


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


# template -----------------------------------------------------------------------------


def test_template_parses_and_is_cfn_lint_clean() -> None:
    assert not DECODE_ERRORS
    # as `make lint` runs it; Function URLs do not exist in every region (cfn-lint E3006)
    problems = [m for m in lint(TEMPLATE_TEXT, regions=["us-east-1"]) if m.rule.id[0] in "EW"]
    assert problems == []


def test_function_url_streams_without_iam_auth() -> None:
    url = RESOURCES["FunctionUrl"]
    assert url["Type"] == "AWS::Lambda::Url"
    assert url["Properties"] == {
        "TargetFunctionArn": {"Fn::GetAtt": ["Function", "Arn"]},
        "AuthType": "NONE",
        "InvokeMode": "RESPONSE_STREAM",
    }
    assert TEMPLATE["Outputs"]["DataPlaneUrl"]["Value"] == {
        "Fn::GetAtt": ["FunctionUrl", "FunctionUrl"]
    }


def test_public_url_has_both_permissions() -> None:
    permissions = {
        r["Properties"]["Action"]: r["Properties"]
        for r in RESOURCES.values()
        if r["Type"] == "AWS::Lambda::Permission"
    }
    assert set(permissions) == {"lambda:InvokeFunctionUrl", "lambda:InvokeFunction"}
    assert permissions["lambda:InvokeFunctionUrl"]["FunctionUrlAuthType"] == "NONE"
    # the plain invoke permission is only good through the URL
    assert permissions["lambda:InvokeFunction"]["InvokedViaFunctionUrl"] is True
    for props in permissions.values():
        assert props["FunctionName"] == {"Ref": "Function"} and props["Principal"] == "*"


def test_function_runs_run_sh_under_the_web_adapter_in_stream_mode() -> None:
    props = resolve(RESOURCES["Function"]["Properties"])
    assert props["Runtime"] == "python3.11" and props["Handler"] == "chalicelib/dataplane/run.sh"
    assert props["Architectures"] == ["x86_64"]
    assert props["MemorySize"] == 1024 and props["Timeout"] == 900
    assert props["Code"] == {"S3Bucket": "artifacts", "S3Key": "dataplane.zip"}
    assert props["Layers"] == [
        f"arn:aws:lambda:{REGION}:753240598075:layer:LambdaAdapterLayerX86:25"
    ]
    assert props["TracingConfig"] == {"Mode": "Active"}
    env = props["Environment"]["Variables"]
    assert env["AWS_LAMBDA_EXEC_WRAPPER"] == "/opt/bootstrap"
    assert env["AWS_LWA_INVOKE_MODE"] == "response_stream"
    assert env["AWS_LWA_READINESS_CHECK_PATH"] == "/healthz"
    assert env["PORT"] == "8000"
    # The app (a process beside the adapter) never sees the invocation's _X_AMZN_TRACE_ID.
    assert env["POWERTOOLS_TRACE_DISABLED"] == "true"


def test_function_environment_is_what_settings_read() -> None:
    env = resolve(RESOURCES["Function"]["Properties"]["Environment"]["Variables"])
    settings = Settings.from_env(env)
    assert settings.log_sink == "queue"
    assert settings.logs_table == "aig-logs"
    assert settings.control_table == "aig-control"
    assert settings.bodies_bucket == f"aig-bodies-{ACCOUNT}-{REGION}"
    assert settings.log_queue_url == QUEUE_URL
    assert settings.provider_keys_kms_key == KEY_ID


def test_storage_outputs_fit_the_parameters() -> None:
    storage, _ = decode_str(local.TEMPLATE_PATH.read_text())
    names = {"Prefix": "aig", **PSEUDO}
    tables = {
        resolve(storage["Resources"][name]["Properties"]["TableName"], names)
        for name in ("LogsTable", "ControlTable")
    }
    params = TEMPLATE["Parameters"]
    assert {params["LogsTableName"]["Default"], params["ControlTableName"]["Default"]} == tables
    queue_name = resolve(storage["Resources"]["LogQueue"]["Properties"]["QueueName"], names)
    assert re.fullmatch(params["LogQueueUrl"]["AllowedPattern"], QUEUE_URL)
    assert QUEUE_URL.endswith(f"/{queue_name}")


def test_role_grants_named_resources_only() -> None:
    for statement in statements():
        assert statement["Effect"] == "Allow"
        if statement["Sid"] == "Tracing":  # X-Ray has no resource-level permissions
            assert statement["Resource"] == "*"
            continue
        for action in as_list(statement["Action"]):
            assert "*" not in action
        for resource in as_list(statement["Resource"]):
            assert resource != "*" and not resource.startswith("arn:aws:*")
            assert ":*:" not in resource  # no wildcard region or account


def test_role_grants_exactly_the_data_plane_needs() -> None:
    by_sid = {s["Sid"]: s for s in statements()}
    assert set(by_sid) == {
        "Logs",
        "Tables",
        "Bodies",
        "BodiesMisses",
        "LogQueue",
        "ProviderKeys",
        "Tracing",
    }
    assert by_sid["ProviderKeys"]["Action"] == "kms:Decrypt"  # unwraps, never makes, keys
    assert by_sid["ProviderKeys"]["Resource"] == f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{KEY_ID}"
    assert set(by_sid["Tracing"]["Action"]) == {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}
    assert by_sid["Logs"]["Resource"] == "LogGroup.Arn"
    table = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table"
    assert by_sid["Tables"]["Resource"] == [
        f"{table}/aig-logs",
        f"{table}/aig-logs/index/*",
        f"{table}/aig-control",
        f"{table}/aig-control/index/*",
    ]
    assert "dynamodb:Scan" not in by_sid["Tables"]["Action"]
    bucket = f"arn:aws:s3:::aig-bodies-{ACCOUNT}-{REGION}"
    assert by_sid["Bodies"]["Resource"] == f"{bucket}/*"
    assert set(by_sid["Bodies"]["Action"]) == {
        "s3:GetObject",
        "s3:PutObject",
        "s3:PutObjectTagging",  # cache objects are put with a tag
    }
    assert by_sid["BodiesMisses"] == {
        "Sid": "BodiesMisses",
        "Effect": "Allow",
        "Action": "s3:ListBucket",
        "Resource": bucket,
    }
    assert by_sid["LogQueue"]["Action"] == ["sqs:SendMessage", "sqs:GetQueueAttributes"]
    assert by_sid["LogQueue"]["Resource"] == f"arn:aws:sqs:{REGION}:{ACCOUNT}:aig-log-queue"


def test_log_group_is_the_functions() -> None:
    group = resolve(RESOURCES["LogGroup"]["Properties"])
    assert group["LogGroupName"] == "/aws/lambda/aig-dataplane"
    assert RESOURCES["Function"]["Properties"]["FunctionName"] == {"Ref": "FunctionName"}
    logging = RESOURCES["Function"]["Properties"]["LoggingConfig"]
    assert logging == {"LogGroup": {"Ref": "LogGroup"}, "LogFormat": "JSON"}


# run.sh -------------------------------------------------------------------------------


def test_run_sh_is_an_executable_bash_script_starting_gunicorn() -> None:
    assert RUN_SH.stat().st_mode & stat.S_IXUSR
    text = RUN_SH.read_text()
    assert text.startswith("#!/bin/bash\n")
    command = text[text.index("exec python -m gunicorn") :]
    assert '--bind "0.0.0.0:${PORT:-8000}"' in command
    assert "--worker-class gthread" in command and "--workers 1" in command
    assert "--timeout 0" in command
    assert "--access-logfile" not in command
    assert command.rstrip().endswith("chalicelib.dataplane.wsgi:app")


def test_run_sh_serves_healthz_and_refuses_in_the_envelope(tmp_path: Path) -> None:
    """run.sh as the adapter runs it (task root = the package root): /healthz is 200, and
    gunicorn's own refusal of an overlong request line is the envelope, not its HTML."""
    port = local.free_port()
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "PORT": str(port),
        "LAMBDA_TASK_ROOT": str(INFRA.parent),
        "LAMBDA_RUNTIME_DIR": str(tmp_path),
        "AIG_LOG_SINK": "queue",
        "AIG_LOG_QUEUE_URL": QUEUE_URL,
    }
    child = local.Child("dataplane", ["bash", str(RUN_SH)], env=env, cwd=tmp_path)
    try:
        local.wait_http(f"http://127.0.0.1:{port}/healthz", child, timeout=30, status=200)
        with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
            conn.sendall(b"GET /" + b"a" * 5000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
            answer = b""
            while chunk := conn.recv(65536):
                answer += chunk
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 400") and b"application/json" in head
        assert json.loads(body)["success"] is False
    finally:
        child.stop(timeout=5)


@pytest.mark.parametrize("target", ["infra/template.yaml", "infra/dataplane.yaml"])
def test_make_lint_checks_the_templates(target: str) -> None:
    makefile = (INFRA.parent / "Makefile").read_text()
    lint = makefile[makefile.index("\nlint:") : makefile.index("\ntest:")]
    assert f"cfn-lint {target}" in lint
