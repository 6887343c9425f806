"""`make deploy STAGE=prod`: package a stage and create or update its stack.

    python -m infra.deploy --stage prod [--alarm-topic ARN] [--stack-name aig-prod]
    python -m infra.deploy --stage prod --delete       # make destroy STAGE=prod

Credentials and region come from the usual AWS environment (AWS_PROFILE, AWS_REGION, ...).
The package and template go to an artifacts bucket of the account (`aig-artifacts-<account>-
<region>`, made on first use); the stack is changed through a change set, which
CloudFormation rolls back by itself when a resource fails. Prints the stack's outputs.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
from botocore.exceptions import ClientError

from infra.package import PACKAGE_NAME, ROOT, TEMPLATE_NAME, package

if TYPE_CHECKING:
    from mypy_boto3_cloudformation import CloudFormationClient
    from mypy_boto3_s3 import S3Client

CAPABILITIES: list[Any] = ["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"]
"""IAM: the functions' roles; AUTO_EXPAND: the SAM transform of Chalice's functions."""

_NO_CHANGES = ("didn't contain changes", "No updates are to be performed")


@dataclass(frozen=True)
class Artifacts:
    """Where a packaged stage was uploaded."""

    bucket: str
    code_key: str
    template_url: str


def upload(s3: S3Client, bucket: str, stage_dir: Path, stage: str) -> Artifacts:
    """Upload a packaged stage (content-addressed keys: an unchanged zip is not re-sent)."""
    _ensure_bucket(s3, bucket)
    keys = {}
    for name in (PACKAGE_NAME, TEMPLATE_NAME):
        body = (stage_dir / name).read_bytes()
        key = f"{stage}/{hashlib.sha256(body).hexdigest()[:32]}-{name}"
        s3.put_object(Bucket=bucket, Key=key, Body=body)
        keys[name] = key
    region = s3.meta.region_name
    url = f"https://{bucket}.s3.{region}.amazonaws.com/{keys[TEMPLATE_NAME]}"
    return Artifacts(bucket, keys[PACKAGE_NAME], url)


def apply(
    cloudformation: CloudFormationClient,
    stack_name: str,
    artifacts: Artifacts,
    parameters: dict[str, str],
    poll_s: float = 5.0,
) -> dict[str, str]:
    """Create or update `stack_name` from uploaded `artifacts`; return its outputs."""
    exists = _stack_status(cloudformation, stack_name) not in (None, "REVIEW_IN_PROGRESS")
    values = {**parameters, "CodeBucket": artifacts.bucket, "CodeKey": artifacts.code_key}
    change_set = f"deploy-{int(time.time())}"
    cloudformation.create_change_set(
        StackName=stack_name,
        ChangeSetName=change_set,
        ChangeSetType="UPDATE" if exists else "CREATE",
        TemplateURL=artifacts.template_url,
        Capabilities=CAPABILITIES,
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in values.items()],
    )
    status, reason = _wait_change_set(cloudformation, stack_name, change_set, poll_s)
    if status == "FAILED":
        if any(text in reason for text in _NO_CHANGES):
            cloudformation.delete_change_set(StackName=stack_name, ChangeSetName=change_set)
            return outputs(cloudformation, stack_name)
        raise SystemExit(f"change set {change_set} failed: {reason}")
    cloudformation.execute_change_set(StackName=stack_name, ChangeSetName=change_set)
    final = _wait_stack(cloudformation, stack_name, poll_s)
    if not final.endswith("_COMPLETE") or "ROLLBACK" in final:
        raise SystemExit(f"stack {stack_name} ended in {final}: see its events")
    return outputs(cloudformation, stack_name)


def delete(cloudformation: CloudFormationClient, stack_name: str, poll_s: float = 5.0) -> str:
    """Delete a stage's stack; its tables and bucket stay (DeletionPolicy Retain)."""
    cloudformation.delete_stack(StackName=stack_name)
    return _wait_stack(cloudformation, stack_name, poll_s)


def outputs(cloudformation: CloudFormationClient, stack_name: str) -> dict[str, str]:
    """The outputs of a stack, by key."""
    (stack,) = cloudformation.describe_stacks(StackName=stack_name)["Stacks"]
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def _ensure_bucket(s3: S3Client, bucket: str) -> None:
    try:
        s3.head_bucket(Bucket=bucket)
        return
    except ClientError as error:
        if error.response["Error"]["Code"] not in ("404", "NoSuchBucket"):
            raise
    region = s3.meta.region_name
    location: Any = {} if region == "us-east-1" else {"LocationConstraint": region}
    s3.create_bucket(Bucket=bucket, **({"CreateBucketConfiguration": location} if location else {}))
    s3.put_public_access_block(
        Bucket=bucket,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )


def _stack_status(cloudformation: CloudFormationClient, stack_name: str) -> str | None:
    try:
        (stack,) = cloudformation.describe_stacks(StackName=stack_name)["Stacks"]
    except ClientError as error:
        if "does not exist" in str(error):
            return None
        raise
    return stack["StackStatus"]


def _wait_change_set(
    cloudformation: CloudFormationClient, stack_name: str, change_set: str, poll_s: float
) -> tuple[str, str]:
    while True:
        found = cloudformation.describe_change_set(StackName=stack_name, ChangeSetName=change_set)
        if found["Status"] in ("CREATE_COMPLETE", "FAILED"):
            return found["Status"], found.get("StatusReason", "")
        time.sleep(poll_s)


def _wait_stack(cloudformation: CloudFormationClient, stack_name: str, poll_s: float) -> str:
    while True:
        status = _stack_status(cloudformation, stack_name) or "DELETE_COMPLETE"
        if not status.endswith("_IN_PROGRESS"):
            return status
        time.sleep(poll_s)


def main(argv: list[str] | None = None) -> int:
    """Deploy a stage (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stage", default="dev", help="Chalice stage (.chalice/config.json)")
    parser.add_argument("--stack-name", help="default: aig-<stage>")
    parser.add_argument("--alarm-topic", default="", help="SNS topic ARN for the alarms")
    parser.add_argument("--out", type=Path, default=ROOT / "dist", help="package folder")
    parser.add_argument("--delete", action="store_true", help="delete the stage's stack")
    args = parser.parse_args(argv)
    session = boto3.session.Session()
    stack_name = args.stack_name or f"aig-{args.stage}"
    if args.delete:
        print(f"{stack_name}: {delete(session.client('cloudformation'), stack_name)}")
        return 0
    account = session.client("sts").get_caller_identity()["Account"]
    stage_dir = package(args.stage, args.out)
    bucket = f"aig-artifacts-{account}-{session.region_name}"
    artifacts = upload(session.client("s3"), bucket, stage_dir, args.stage)
    parameters = {"AlarmTopicArn": args.alarm_topic} if args.alarm_topic else {}
    print(f"deploying {stack_name} from s3://{bucket}/{artifacts.code_key} ...", flush=True)
    done = apply(session.client("cloudformation"), stack_name, artifacts, parameters)
    for key, value in sorted(done.items()):
        print(f"{key}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
