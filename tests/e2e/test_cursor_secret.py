"""`make run` without AIG_CURSOR_SECRET: cursors signed with the deployment's own secret."""

from __future__ import annotations

import boto3
import httpx
import pytest

from chalicelib.logstore.cursor_secret import SECRET_BYTES, SECRET_KEY
from tests.support.gateway import Gateway

pytestmark = pytest.mark.e2e


def test_cursors_work_and_the_secret_is_the_deployments_own(gateway: Gateway) -> None:
    for _ in range(2):
        chat = httpx.post(
            f"{gateway.base('openai')}/chat/completions",
            json={"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]},
        )
        assert chat.status_code == 200
    path = f"{gateway.url}/accounts/{gateway.account}/ai-gateway/gateways/{gateway.gateway}/logs"
    auth = {"Authorization": f"Bearer {gateway.token}"}
    first = httpx.get(path, headers=auth, params={"per_page": 1}).json()
    cursor = first["result_info"]["cursor"]
    second = httpx.get(path, headers=auth, params={"per_page": 1, "cursor": cursor})
    assert second.status_code == 200
    assert second.json()["result"][0]["id"] != first["result"][0]["id"]

    control = boto3.resource(
        "dynamodb",
        endpoint_url=gateway.aws_endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    ).Table("aig-control")
    item = control.get_item(Key=SECRET_KEY)["Item"]
    assert len(bytes(item["secret"].value)) == SECRET_BYTES
