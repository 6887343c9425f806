"""Management and logs routes while AWS cannot be reached: a 503 in the envelope that the
client may retry, never a 500 (a bug) or the botocore message."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError
from chalice.test import Client

from app import app
from chalicelib import aws
from chalicelib.edge.failures import STORE_UNAVAILABLE, store_unreachable
from chalicelib.settings import Settings
from tests.support.tenants import Tenant


def _client_error(code: str, status: int) -> ClientError:
    response: Any = {"Error": {"Code": code}, "ResponseMetadata": {"HTTPStatusCode": status}}
    return ClientError(response, "Query")


@pytest.mark.parametrize(
    ("error", "retryable"),
    [
        (EndpointConnectionError(endpoint_url="https://dynamodb.invalid"), True),
        (ReadTimeoutError(endpoint_url="https://dynamodb.invalid"), True),
        (_client_error("ProvisionedThroughputExceededException", 400), True),
        (_client_error("InternalServerError", 500), True),
        (_client_error("ValidationException", 400), False),
        (ValueError("a bug"), False),
    ],
)
def test_what_counts_as_unreachable(error: Exception, retryable: bool) -> None:
    assert store_unreachable(error) is retryable


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/{a}/ai-gateway/gateways",
        "/accounts/{a}/ai-gateway/gateways/{g}",
        "/accounts/{a}/ai-gateway/gateways/{g}/logs",
        "/accounts/{a}/ai-gateway/gateways/{g}/analytics",
    ],
)
def test_routes_answer_503_while_dynamodb_is_unreachable(
    settings: Settings, tenant: Tenant, path: str
) -> None:
    def refuse(**_: Any) -> None:
        raise EndpointConnectionError(endpoint_url="https://dynamodb.invalid")

    for client in (aws.client("dynamodb"), aws.table(settings.control_table).meta.client):
        client.meta.events.register("before-call.dynamodb", refuse)
    url = path.format(a=tenant.account_id, g=tenant.gateway_id)
    with Client(app, stage_name="local") as test_client:
        answer = test_client.http.get(url, headers={"authorization": f"Bearer {tenant.token}"})
    assert answer.status_code == 503
    body = json.loads(answer.body)
    assert body["success"] is False
    assert body["errors"] == [{"code": 1008, "message": STORE_UNAVAILABLE}]
    assert b"invalid" not in answer.body
