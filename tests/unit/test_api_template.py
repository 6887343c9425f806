"""infra/api-gateway-responses.yaml: API Gateway's own answers in the envelope, merged into
Chalice's template as `chalice package --merge-template` merges it, cfn-lint clean."""

import json
from typing import Any

import pytest
from cfnlint.api import lint_all

from app import app
from infra.api_template import gateway_responses, merged_template

RESPONSES = gateway_responses()["Resources"]["RestAPI"]["Properties"]["DefinitionBody"][
    "x-amazon-apigateway-gateway-responses"
]


def test_unknown_paths_and_limits_have_their_status() -> None:
    statuses = {name: response.get("statusCode") for name, response in RESPONSES.items()}
    assert statuses["MISSING_AUTHENTICATION_TOKEN"] == "404"
    assert statuses["INVALID_SIGNATURE"] == "404"  # unknown path + Authorization header
    assert statuses["REQUEST_TOO_LARGE"] == "413"
    assert statuses["DEFAULT_4XX"] is None and statuses["DEFAULT_5XX"] is None


@pytest.mark.parametrize("name", sorted(RESPONSES))
def test_every_response_is_a_fixed_envelope(name: str) -> None:
    response: dict[str, Any] = RESPONSES[name]
    assert set(response) <= {"statusCode", "responseTemplates"}  # no header mapping at all
    (template,) = response["responseTemplates"].values()
    assert "$" not in template and "#" not in template  # no VTL: nothing of the request
    body = json.loads(template)
    assert body["success"] is False and body["messages"] == [] and body["result"] is None
    (error,) = body["errors"]
    assert isinstance(error["code"], int) and error["message"]


def test_merge_keeps_chalice_api_and_is_cfn_lint_clean() -> None:
    template = merged_template(app)
    api = template["Resources"]["RestAPI"]
    assert api["Type"] == "AWS::Serverless::Api" and api["Properties"]["StageName"] == "api"
    body = api["Properties"]["DefinitionBody"]
    assert "/healthz" in body["paths"] and body["x-amazon-apigateway-gateway-responses"]
    problems = [m for m in lint_all(json.dumps(template)) if m.rule.id[0] in "EW"]
    assert problems == []
