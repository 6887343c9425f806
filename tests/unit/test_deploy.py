"""`make deploy` (infra/deploy.py): the upload into moto's S3, and the change-set flow
against a recording CloudFormation (moto's cannot run the SAM transform)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from infra.deploy import CAPABILITIES, Artifacts, apply, delete, upload
from infra.package import PACKAGE_NAME, TEMPLATE_NAME

BUCKET = "aig-artifacts-123456789012-eu-west-1"
ARTIFACTS = Artifacts(BUCKET, "prod/abc-deployment.zip", "https://b.s3/prod/t.json")


@pytest.fixture
def stage_dir(tmp_path: Path) -> Path:
    (tmp_path / PACKAGE_NAME).write_bytes(b"PK zip bytes")
    (tmp_path / TEMPLATE_NAME).write_text('{"Resources": {}}')
    return tmp_path


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    for name, value in {"AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        yield boto3.client("s3", region_name="eu-west-1")


def test_upload_makes_a_private_bucket_and_content_addressed_keys(s3: Any, stage_dir: Path) -> None:
    first = upload(s3, BUCKET, stage_dir, "prod")
    digest = hashlib.sha256(b"PK zip bytes").hexdigest()[:32]
    assert first.code_key == f"prod/{digest}-{PACKAGE_NAME}"
    assert s3.get_object(Bucket=BUCKET, Key=first.code_key)["Body"].read() == b"PK zip bytes"
    assert first.template_url.startswith(f"https://{BUCKET}.s3.eu-west-1.amazonaws.com/prod/")
    block = s3.get_public_access_block(Bucket=BUCKET)["PublicAccessBlockConfiguration"]
    assert all(block.values())
    assert upload(s3, BUCKET, stage_dir, "prod") == first  # again: same keys, bucket kept


class _CloudFormation:
    """Just enough of CloudFormation for `apply`: one stack, change sets that complete
    (or fail with `reason`), executions that end in `final`."""

    def __init__(self, exists: bool, reason: str = "", final: str = "UPDATE_COMPLETE") -> None:
        self.status = "CREATE_COMPLETE" if exists else None
        self.reason, self.final = reason, final
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def describe_stacks(self, StackName: str) -> dict[str, Any]:
        if self.status is None:
            error = {"Error": {"Code": "ValidationError", "Message": "Stack does not exist"}}
            raise ClientError(error, "DescribeStacks")
        outputs = [{"OutputKey": "EndpointURL", "OutputValue": "https://api/prod/"}]
        return {"Stacks": [{"StackStatus": self.status, "Outputs": outputs}]}

    def create_change_set(self, **kwargs: Any) -> None:
        self.calls.append(("create_change_set", kwargs))

    def describe_change_set(self, **kwargs: Any) -> dict[str, Any]:
        if self.reason:
            return {"Status": "FAILED", "StatusReason": self.reason}
        return {"Status": "CREATE_COMPLETE"}

    def delete_change_set(self, **kwargs: Any) -> None:
        self.calls.append(("delete_change_set", kwargs))

    def execute_change_set(self, **kwargs: Any) -> None:
        self.calls.append(("execute_change_set", kwargs))
        self.status = self.final


def test_a_new_stage_is_created_with_its_code_and_capabilities() -> None:
    cloudformation = _CloudFormation(exists=False, final="CREATE_COMPLETE")
    outputs = apply(cloudformation, "aig-prod", ARTIFACTS, {"AlarmTopicArn": "arn:t"}, 0)
    assert outputs == {"EndpointURL": "https://api/prod/"}
    (name, created), (executed, _) = cloudformation.calls
    assert name == "create_change_set" and executed == "execute_change_set"
    assert created["ChangeSetType"] == "CREATE" and created["StackName"] == "aig-prod"
    assert created["TemplateURL"] == ARTIFACTS.template_url
    assert created["Capabilities"] == CAPABILITIES
    parameters = {p["ParameterKey"]: p["ParameterValue"] for p in created["Parameters"]}
    assert parameters == {
        "AlarmTopicArn": "arn:t",
        "CodeBucket": BUCKET,
        "CodeKey": ARTIFACTS.code_key,
    }


def test_an_existing_stage_is_updated() -> None:
    cloudformation = _CloudFormation(exists=True)
    apply(cloudformation, "aig-prod", ARTIFACTS, {}, 0)
    assert cloudformation.calls[0][1]["ChangeSetType"] == "UPDATE"


def test_nothing_to_change_is_not_an_error() -> None:
    reason = "The submitted information didn't contain changes."
    cloudformation = _CloudFormation(exists=True, reason=reason)
    assert apply(cloudformation, "aig-prod", ARTIFACTS, {}, 0) == {
        "EndpointURL": "https://api/prod/"
    }
    assert [name for name, _ in cloudformation.calls] == ["create_change_set", "delete_change_set"]


def test_a_failed_change_set_or_a_rollback_stops_the_deploy() -> None:
    failing = _CloudFormation(exists=True, reason="Template format error")
    with pytest.raises(SystemExit, match="Template format error"):
        apply(failing, "aig-prod", ARTIFACTS, {}, 0)
    rolled_back = _CloudFormation(exists=True, final="UPDATE_ROLLBACK_COMPLETE")
    with pytest.raises(SystemExit, match="UPDATE_ROLLBACK_COMPLETE"):
        apply(rolled_back, "aig-prod", ARTIFACTS, {}, 0)


def test_destroy_deletes_the_stack_and_waits() -> None:
    cloudformation = _CloudFormation(exists=True)
    deleted: list[str] = []

    def delete_stack(StackName: str) -> None:
        deleted.append(StackName)
        cloudformation.status = None

    cloudformation.delete_stack = delete_stack
    assert delete(cloudformation, "aig-dev", 0) == "DELETE_COMPLETE"
    assert deleted == ["aig-dev"]
