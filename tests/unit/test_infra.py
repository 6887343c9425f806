"""infra/template.yaml and the local runner (infra/local.py)."""

from __future__ import annotations

import io
import os
import signal
import sys
import time

import boto3
import pytest
from cfnlint.decode import decode_str
from moto import mock_aws

from infra import local

PREFIX = "aig"
STACK_OUTPUTS = {
    "LogsTableName",
    "ControlTableName",
    "BodiesBucketName",
    "LogQueueUrl",
    "LogDeadLetterQueueUrl",
}


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")


@pytest.fixture
def outputs(aws_env: None) -> dict[str, str]:
    with mock_aws():
        yield local.deploy_stack(None, prefix=PREFIX)


def _python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


# template -----------------------------------------------------------------------------


def test_template_parses_with_cfn_tags() -> None:
    template, errors = decode_str(local.TEMPLATE_PATH.read_text())
    assert not errors
    assert set(template["Outputs"]) == STACK_OUTPUTS
    assert template["Parameters"]["Prefix"]["Default"] == "aig"
    logs = template["Resources"]["LogsTable"]["Properties"]
    assert logs["BillingMode"] == "PAY_PER_REQUEST"
    assert logs["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}


def test_deploy_stack_creates_everything(aws_env: None) -> None:
    with mock_aws():
        outputs = local.deploy_stack(None, prefix=PREFIX)
        assert set(outputs) == STACK_OUTPUTS
        assert outputs["LogsTableName"] == "aig-logs"
        assert outputs["ControlTableName"] == "aig-control"
        assert outputs["BodiesBucketName"] == "aig-bodies-123456789012-us-east-1"

        ddb = boto3.client("dynamodb", region_name="us-east-1")
        for name in ("aig-logs", "aig-control"):
            table = ddb.describe_table(TableName=name)["Table"]
            assert {(k["AttributeName"], k["KeyType"]) for k in table["KeySchema"]} == {
                ("pk", "HASH"),
                ("sk", "RANGE"),
            }
            assert {("pk", "S"), ("sk", "S")} <= {
                (a["AttributeName"], a["AttributeType"]) for a in table["AttributeDefinitions"]
            }
            assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"

        failures = ddb.describe_table(TableName="aig-logs")["Table"]["GlobalSecondaryIndexes"]
        assert [(i["IndexName"], i["KeySchema"][0]["AttributeName"]) for i in failures] == [
            ("failures", "fail_pk")
        ]

        s3 = boto3.client("s3", region_name="us-east-1")
        bucket = outputs["BodiesBucketName"]
        s3.head_bucket(Bucket=bucket)
        rules = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]
        assert rules["Rules"][0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"

        sqs = boto3.client("sqs", region_name="us-east-1")
        attrs = sqs.get_queue_attributes(QueueUrl=outputs["LogQueueUrl"], AttributeNames=["All"])[
            "Attributes"
        ]
        assert outputs["LogQueueUrl"].endswith("/aig-log-queue")
        assert attrs["VisibilityTimeout"] == "360"  # six times the log writer's 60 s
        assert '"maxReceiveCount": 5' in attrs["RedrivePolicy"].replace("'", '"')
        assert "aig-log-dlq" in attrs["RedrivePolicy"]
        dlq = sqs.get_queue_attributes(
            QueueUrl=outputs["LogDeadLetterQueueUrl"], AttributeNames=["MessageRetentionPeriod"]
        )["Attributes"]
        assert outputs["LogDeadLetterQueueUrl"].endswith("/aig-log-dlq")
        assert dlq["MessageRetentionPeriod"] == str(14 * 24 * 3600)


def test_deploy_stack_honours_prefix(aws_env: None) -> None:
    with mock_aws():
        outputs = local.deploy_stack(None, prefix="other")
        assert outputs["LogsTableName"] == "other-logs"
        assert outputs["LogQueueUrl"].endswith("/other-log-queue")


def test_gateway_env_maps_outputs(outputs: dict[str, str]) -> None:
    env = local.gateway_env("http://127.0.0.1:4566", outputs)
    assert env == {
        "AWS_ENDPOINT_URL": "http://127.0.0.1:4566",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AIG_LOGS_TABLE": outputs["LogsTableName"],
        "AIG_CONTROL_TABLE": outputs["ControlTableName"],
        "AIG_BODIES_BUCKET": outputs["BodiesBucketName"],
        "AIG_LOG_QUEUE_URL": outputs["LogQueueUrl"],
        "AIG_LOG_DLQ_URL": outputs["LogDeadLetterQueueUrl"],
    }


def test_gateway_env_is_what_settings_read(outputs: dict[str, str]) -> None:
    from chalicelib.settings import Settings

    settings = Settings.from_env(local.gateway_env("http://127.0.0.1:4566", outputs))
    assert settings.logs_table == outputs["LogsTableName"]
    assert settings.control_table == outputs["ControlTableName"]
    assert settings.bodies_bucket == outputs["BodiesBucketName"]
    assert settings.log_queue_url == outputs["LogQueueUrl"]
    assert settings.log_dlq_url == outputs["LogDeadLetterQueueUrl"]


# seeding, banner ----------------------------------------------------------------------


def test_seed_calls_seed_local_with_env_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    bootstrap = pytest.importorskip("chalicelib.accounts.bootstrap")
    calls = []
    monkeypatch.setattr(
        bootstrap, "seed_local", lambda settings, **kw: calls.append((settings, kw))
    )
    env = local.gateway_env(
        "http://127.0.0.1:1",
        {
            "LogsTableName": "t-logs",
            "ControlTableName": "t-control",
            "BodiesBucketName": "t-bodies",
            "LogQueueUrl": "http://q",
            "LogDeadLetterQueueUrl": "http://dlq",
        },
    )
    for name in env:
        monkeypatch.setenv(name, "unset")  # restored by monkeypatch after seed() sets them
    local.seed(env, "tok")
    [(settings, kwargs)] = calls
    assert settings.control_table == "t-control"
    assert kwargs == {"account_id": "demo", "gateway_id": "default", "admin_token": "tok"}


def test_banner_ends_with_ready_line() -> None:
    text = local.banner(8123, "tok")
    assert "http://127.0.0.1:8123/v1/demo/default/openai" in text
    assert "http://127.0.0.1:8123/v1/demo/default/anthropic" in text
    assert "tok" in text
    assert text.splitlines()[-1] == "AIG_GATEWAY_READY http://127.0.0.1:8123"


# processes ----------------------------------------------------------------------------


def test_free_port_is_bindable() -> None:
    import socket

    port = local.free_port()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))


def test_start_moto_server_refuses_a_busy_port() -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        with pytest.raises(local.LocalRunError, match="AIG_MOTO_PORT"):
            local.start_moto_server(sock.getsockname()[1])


def test_child_stop_kills_a_process_that_ignores_sigterm() -> None:
    code = (
        "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN);"
        "print('up', flush=True); time.sleep(60)"
    )
    child = local.Child("stubborn", _python(code))
    deadline = time.monotonic() + 10
    while "up" not in child.output() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert child.stop(timeout=0.5) == -signal.SIGKILL
    assert child.poll() is not None


def test_child_echoes_only_after_echo_and_hides_filtered_lines() -> None:
    sink = io.StringIO()
    code = (
        "import time; print('early', flush=True); time.sleep(0.5);"
        "print('late', flush=True); print('noise', flush=True)"
    )
    child = local.Child("c", _python(code), hide=lambda line: line == "noise", sink=sink)
    deadline = time.monotonic() + 10
    while "early" not in child.output() and time.monotonic() < deadline:
        time.sleep(0.05)
    child.echo()
    assert child.wait(timeout=10) == 0
    child.stop()
    assert sink.getvalue() == "[c] late\n"
    assert child.output().splitlines() == ["early", "late", "noise"]


def test_wait_http_reports_output_of_a_child_that_died() -> None:
    child = local.Child("dead", _python("print('boom'); raise SystemExit(3)"))
    with pytest.raises(local.LocalRunError, match=r"(?s)exited with code 3.*boom"):
        local.wait_http(f"http://127.0.0.1:{local.free_port()}/", child, timeout=10)
    child.stop()


def test_wait_http_times_out_with_output() -> None:
    child = local.Child("sleepy", _python("print('zzz', flush=True); import time; time.sleep(60)"))
    try:
        with pytest.raises(local.LocalRunError, match=r"(?s)did not answer.*zzz"):
            local.wait_http(f"http://127.0.0.1:{local.free_port()}/", child, timeout=1)
    finally:
        child.stop(timeout=2)


def test_supervisor_stops_everything_when_a_child_dies() -> None:
    with local.Supervisor(stop_timeout=2) as sup:
        long = sup.add(local.Child("long", _python("import time; time.sleep(60)")))
        sup.add(local.Child("short", _python("raise SystemExit(2)")))
        assert sup.watch(poll=0.05) == 1
    assert long.poll() is not None
    assert sup.children == []


def test_supervisor_returns_zero_on_sigterm() -> None:
    import threading

    before = signal.getsignal(signal.SIGTERM)
    with local.Supervisor(stop_timeout=2) as sup:
        long = sup.add(local.Child("long", _python("import time; time.sleep(60)")))
        timer = threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGTERM))
        timer.start()
        assert sup.watch(poll=0.05) == 0
        timer.join()
    assert long.poll() is not None
    assert signal.getsignal(signal.SIGTERM) is before


@pytest.mark.e2e
def test_moto_server_deploy_and_stop() -> None:
    port = local.free_port()
    server = local.start_moto_server(port)
    try:
        endpoint = f"http://127.0.0.1:{port}"
        outputs = local.deploy_stack(endpoint)
        ddb = boto3.client(
            "dynamodb",
            region_name="us-east-1",
            endpoint_url=endpoint,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        assert outputs["LogsTableName"] in ddb.list_tables()["TableNames"]
    finally:
        server.stop()
    assert server.poll() is not None
