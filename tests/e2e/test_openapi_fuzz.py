"""Schemathesis fuzzes the management, logs and analytics API of the running gateway from
infra/openapi.yaml: no answer is a 5xx, every 4xx is Cloudflare's envelope with its errors,
and every answer is the one documented (status, Content-Type, headers, body schema); data
the document calls invalid is refused.

The fuzzer works in an account of its own, with a token of that account only: whatever it
generates (other account ids included) cannot touch what the other end-to-end tests use.
Its path parameters are pinned to that account, one gateway and a few logs made for it,
so that most requests reach the handlers rather than a 404. The proxy routes are not
fuzzed: they forward to a provider.

Examples per operation and mode: AIG_FUZZ_EXAMPLES (default 15); AIG_FUZZ_ONLY=<regex> fuzzes
the operations whose label (`GET /accounts/...`) it matches. The run is derandomized
(the same cases each time, so the gate is not flaky); AIG_FUZZ_SEED=<int> explores others.
"""

from __future__ import annotations

import copy
import json
import os
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import requests
import schemathesis
import yaml
from hypothesis import HealthCheck, Phase, given, seed, settings
from schemathesis import Case, GenerationMode
from schemathesis.core.transport import Response

from tests.support.gateway import Gateway

pytestmark = pytest.mark.e2e

SPEC_PATH = Path(__file__).resolve().parents[2] / "infra" / "openapi.yaml"
ACCOUNT = "openapi-fuzz"
GATEWAY = "fuzzed"
ABSENT_LOG = "01KDVDNACFD8ZVE8NRE60E46ZE"
EXAMPLES = int(os.environ.get("AIG_FUZZ_EXAMPLES", "15"))
SEED = os.environ.get("AIG_FUZZ_SEED")
ONLY = re.compile(os.environ.get("AIG_FUZZ_ONLY", ""))


@dataclass
class FuzzTenant:
    """The fuzzer's own account: a gateway, its token, the ids of a few of its logs and of
    a dataset and an evaluation."""

    token: str
    log_ids: list[str]
    dataset_id: str
    evaluation_id: str
    config_ids: list[str]
    custom_provider_ids: list[str]


@pytest.fixture(scope="module")
def fuzz_tenant(gateway: Gateway) -> FuzzTenant:
    accounts = gateway.accounts()
    accounts.create_account(ACCOUNT, plan="paid")
    accounts.create_gateway(ACCOUNT, GATEWAY, {})
    token = accounts.issue_token(ACCOUNT, name="openapi-fuzz").token
    log_ids = []
    with httpx.Client(base_url=f"{gateway.url}/v1/{ACCOUNT}/{GATEWAY}", timeout=30) as client:
        for index, metadata in enumerate(({"team": "a"}, {"n": 2, "ok": True}, {})):
            response = client.post(
                "/openai/chat/completions",
                headers={"authorization": "Bearer sk-fuzz", "aig-metadata": json.dumps(metadata)},
                json={
                    "model": "gpt-4o-mini",
                    "messages": [{"role": "user", "content": f"{index}"}],
                },
            )
            assert response.status_code == 200, response.text
            log_ids.append(response.headers["aig-log-id"])
    auth = {"authorization": f"Bearer {token}"}
    with httpx.Client(base_url=f"{gateway.url}/accounts/{ACCOUNT}/ai-gateway", headers=auth) as api:
        dataset = {"name": "fuzzed", "enable": True, "filters": []}
        dataset_id = api.post(f"/gateways/{GATEWAY}/datasets", json=dataset).json()["result"]["id"]
        run = {"name": "fuzzed", "dataset_ids": [dataset_id], "evaluation_type_ids": ["cost"]}
        evaluation = api.post(f"/gateways/{GATEWAY}/evaluations", json=run).json()["result"]
        key = {"alias": "fuzz", "default_config": True, "provider_slug": "openai", "secret": "sk-f"}
        config = api.post(f"/gateways/{GATEWAY}/provider_configs", json=key)
        provider = {"name": "Fuzz", "slug": "fuzz-seed", "base_url": "https://llm.example.com"}
        custom = api.post("/custom-providers", json=provider)
    assert config.status_code == custom.status_code == 200, (config.text, custom.text)
    return FuzzTenant(
        token,
        log_ids,
        dataset_id,
        evaluation["id"],
        [config.json()["result"]["id"]],
        [custom.json()["result"]["id"]],
    )


def fuzz_schema(base_url: str, tenant: FuzzTenant) -> schemathesis.BaseSchema:
    """The document, its path parameters pinned to the fuzzer's account, gateway, logs (and
    one log id that does not exist), dataset and evaluation; a gateway update's `id` to that
    gateway, an evaluation's dataset_ids to that dataset."""
    spec = yaml.safe_load(SPEC_PATH.read_text())
    components = spec["components"]
    parameters = components["parameters"]
    parameters["account_id"]["schema"] = {"enum": [ACCOUNT]}
    parameters["gateway_id"]["schema"] = {"enum": [GATEWAY]}
    parameters["log_id"]["schema"] = {"enum": [*tenant.log_ids, ABSENT_LOG]}
    parameters["dataset_id"]["schema"] = {"enum": [tenant.dataset_id]}
    parameters["evaluation_id"]["schema"] = {"enum": [tenant.evaluation_id]}
    run = components["schemas"]["EvaluationCreate"]["properties"]
    run["dataset_ids"] = {**run["dataset_ids"], "items": {"enum": [tenant.dataset_id]}}
    parameters["config_id"]["schema"] = {"enum": [*tenant.config_ids, "absent"]}
    parameters["custom_provider_id"]["schema"] = {"enum": [*tenant.custom_provider_ids, "absent"]}
    update = components["schemas"]["GatewayUpdate"]
    update["properties"] = {**copy.deepcopy(update["properties"]), "id": {"const": GATEWAY}}
    config = schemathesis.Config.from_dict(
        {"base-url": base_url, "auth": {"openapi": {"apiToken": {"bearer": tenant.token}}}}
    )
    schema = schemathesis.openapi.from_dict(spec, config=config)
    return schema.include(path_regex="^/accounts/")


def _order(label: str) -> tuple[int, str]:
    """Reads first, then writes, then deleting logs, then deleting the gateway."""
    method, path = label.split(" ", 1)
    if method == "DELETE":
        return (3 if path.endswith("{gateway_id}") else 2), label
    return (0 if method == "GET" else 1), label


def check_envelope(ctx: Any, response: Response, case: Case) -> bool | None:
    """Every 4xx is the envelope: success false and a non-empty list of {code, message}."""
    if not 400 <= response.status_code < 500:
        return None
    try:
        body = response.json()
    except ValueError:
        body = None
    assert isinstance(body, dict), (
        f"a {response.status_code} that is not a JSON object: {response.content[:200]!r}"
    )
    assert body.get("success") is False, f"a {response.status_code} without success: false"
    errors = body.get("errors")
    assert isinstance(errors, list) and errors, f"a {response.status_code} without errors"
    for error in errors:
        assert isinstance(error, dict) and set(error) >= {"code", "message"}, error
        assert isinstance(error["code"], int) and isinstance(error["message"], str), error
    return None


CHECKS: list[Callable[..., Any]] = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_headers_conformance,
    schemathesis.checks.response_schema_conformance,
    schemathesis.checks.negative_data_rejection,
]


def _settings() -> Callable[[Callable[..., None]], Callable[..., None]]:
    chosen = settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=SEED is None,
        phases=[Phase.explicit, Phase.generate],  # failures are reported unshrunk: faster
        suppress_health_check=list(HealthCheck),
        print_blob=True,
    )
    if SEED is None:
        return chosen
    return lambda test: seed(int(SEED))(chosen(test))


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


def test_the_management_api_holds_to_its_openapi_document(
    gateway: Gateway, fuzz_tenant: FuzzTenant, http: requests.Session
) -> None:
    schema = fuzz_schema(gateway.url, fuzz_tenant)
    operations = sorted(
        (result.ok() for result in schema.get_all_operations()), key=lambda op: _order(op.label)
    )
    assert len(operations) == 39, [op.label for op in operations]
    failures: list[str] = []
    statuses: dict[str, Counter[int]] = {op.label: Counter() for op in operations}
    for operation in operations:
        if not ONLY.search(operation.label):
            continue
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @_settings()
            @given(case=operation.as_strategy(generation_mode=mode))
            def fuzz(case: Case) -> None:
                response = case.call(session=http, timeout=60)
                statuses[case.operation.label][response.status_code] += 1
                case.validate_response(response, checks=CHECKS, additional_checks=[check_envelope])

            try:
                fuzz()
            except (Exception, BaseExceptionGroup) as exc:  # all failures are reported
                failures.append(f"{operation.label} ({mode.value}): {exc}")
    print("\n".join(f"{label}: {dict(sorted(seen.items()))}" for label, seen in statuses.items()))
    assert not failures, "\n\n".join(failures)
    unreached = [
        label
        for label, seen in statuses.items()
        if seen and not _succeeded(seen) and _has_success(schema, label)
    ]
    assert not unreached, f"no case reached the handler's success: {unreached}"


def _has_success(schema: schemathesis.BaseSchema, label: str) -> bool:
    """Whether the operation documents a 2xx (dynamic routing is always a 404)."""
    method, path = label.split(" ", 1)
    responses = schema.raw_schema["paths"][path][method.lower()]["responses"]
    return any(status.startswith("2") for status in responses)


def _succeeded(statuses: Counter[int]) -> bool:
    return any(200 <= status < 300 for status in statuses)


def test_a_request_line_over_gunicorns_limit_is_answered_in_the_envelope(
    gateway: Gateway, fuzz_tenant: FuzzTenant
) -> None:
    """Found by the fuzzer: a long `filters=` made gunicorn answer its own HTML 400."""
    path = f"/accounts/{ACCOUNT}/ai-gateway/gateways/{GATEWAY}/logs?search=" + "x" * 5000
    response = httpx.get(
        gateway.url + path, headers={"authorization": f"Bearer {fuzz_tenant.token}"}
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json"
    assert response.json()["success"] is False
    assert "request line" in response.json()["errors"][0]["message"]
