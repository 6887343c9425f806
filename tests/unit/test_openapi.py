"""infra/openapi.yaml is valid OpenAPI 3.1 and documents exactly the routes that exist: those
of app.py (Chalice) and of the streaming data plane, and the fields the code reads."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from openapi_spec_validator import OpenAPIV31SpecValidator, validate

from app import app
from chalicelib.accounts.ids import ID_PATTERN
from chalicelib.accounts.models import API_FIELDS, CONFIG_FIELDS, READ_ONLY_FIELDS
from chalicelib.api.log_params import FILTER_OPERATORS, FLAT_FILTERS, ORDER_KEYS
from chalicelib.dataplane import routes
from chalicelib.dataplane.wsgi import create_app
from chalicelib.logstore import record_api
from chalicelib.logstore.filters import KEYS
from chalicelib.logstore.rollups import GROUP_BYS

SPEC_PATH = Path(__file__).resolve().parents[2] / "infra" / "openapi.yaml"
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
SAMPLE = {"account_id": "acme", "gateway_id": "main", "provider": "openai"}


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(SPEC_PATH.read_text())
    return loaded


def _operations(spec: dict[str, Any]) -> set[tuple[str, str]]:
    """(path, METHOD) of every documented operation."""
    return {
        (path, method.upper())
        for path, item in spec["paths"].items()
        for method in item
        if method in HTTP_METHODS
    }


def _chalice_routes() -> set[tuple[str, str]]:
    """(path, METHOD) of every route of app.py, but the 405 refusals `refuse_other_methods`
    adds for the methods a path lacks. Chalice writes path parameters as OpenAPI does
    (`{log_id}`, `{part}`), so the paths compare as they are."""
    return {
        (path, method)
        for path, views in app.routes.items()
        for method, entry in views.items()
        if not entry.view_name.startswith("not_allowed_")
    }


def _sample_path(template: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda match: SAMPLE.get(match[1], match[1]), template)


def test_the_document_is_valid_openapi_3_1(spec: dict[str, Any]) -> None:
    assert spec["openapi"].startswith("3.1.")
    validate(spec, cls=OpenAPIV31SpecValidator)


def test_the_document_is_plain_yaml_for_any_loader(spec: dict[str, Any]) -> None:
    """Anchors and aliases only (no `<<` merge keys, which YAML 1.2 loaders lack)."""
    assert "<<:" not in SPEC_PATH.read_text()
    assert yaml.safe_load(io.StringIO(yaml.safe_dump(spec))) == spec


def test_every_chalice_route_is_documented_and_nothing_else(spec: dict[str, Any]) -> None:
    documented = _operations(spec)
    chalice = _chalice_routes()
    assert chalice - documented == set(), "routes of app.py missing from infra/openapi.yaml"
    assert documented - chalice == set(), "documented operations app.py does not have"


def test_every_data_plane_route_is_documented_and_nothing_else(spec: dict[str, Any]) -> None:
    documented = {path: methods for path, methods in _by_path(spec).items() if path != "/healthz"}
    proxy_paths = {path for path in documented if path.startswith("/v1/")}
    for template in proxy_paths:
        route = routes.match(_sample_path(template))
        assert route is not None, template
        assert set(route.methods) == documented[template], template
        assert set(route.params) == set(re.findall(r"\{(\w+)\}", template)), template
    served = set()
    for count in range(1, routes.MAX_PROXY_DEPTH + 6):  # paths of every length, and longer
        route = routes.match("/v1" + "/segment" * count)
        if route is not None:
            served.add("/v1" + "".join(f"/{{{name}}}" for name in route.params))
    assert served == proxy_paths


def test_the_data_plane_serves_the_documented_health_check(spec: dict[str, Any]) -> None:
    assert _by_path(spec)["/healthz"] == {"GET"}
    statuses: list[str] = []
    wsgi = create_app(service=lambda: pytest.fail("healthz calls no proxy"))  # type: ignore[arg-type,return-value]
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/healthz", "RAW_URI": "/healthz"}
    body = b"".join(wsgi(environ, lambda status, headers: statuses.append(status)))
    assert statuses == ["200 OK"]
    assert body == b'{"status": "ok"}'


def _by_path(spec: dict[str, Any]) -> dict[str, set[str]]:
    methods: dict[str, set[str]] = {}
    for path, method in _operations(spec):
        methods.setdefault(path, set()).add(method)
    return methods


def test_ids_are_documented_with_the_pattern_the_code_checks(spec: dict[str, Any]) -> None:
    assert spec["components"]["schemas"]["Id"]["pattern"] == ID_PATTERN.pattern


def test_gateway_fields_match_the_gateway_model(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    assert schemas["Gateway"]["required"] == list(API_FIELDS)
    fields = schemas["GatewayCreate"]["properties"]
    writable = {name for name, field in fields.items() if not field.get("readOnly")}
    read_only = {name for name, field in fields.items() if field.get("readOnly")}
    assert writable == {"id", *CONFIG_FIELDS}
    assert read_only == set(READ_ONLY_FIELDS)
    assert schemas["GatewayUpdate"]["properties"] == fields
    assert schemas["GatewayCreate"]["additionalProperties"] is False


def test_log_fields_match_the_log_record(spec: dict[str, Any]) -> None:
    log = spec["components"]["schemas"]["Log"]
    assert log["required"] == list(record_api.API_FIELDS)
    assert list(log["properties"]) == list(record_api.API_FIELDS)


def test_log_filters_match_the_parser(spec: dict[str, Any]) -> None:
    components = spec["components"]
    assert components["schemas"]["FilterKey"]["enum"] == list(KEYS)
    assert components["schemas"]["FilterOperator"]["enum"] == list(FILTER_OPERATORS)
    assert components["parameters"]["order_by"]["schema"]["enum"] == list(ORDER_KEYS)
    list_logs = spec["paths"]["/accounts/{account_id}/ai-gateway/gateways/{gateway_id}/logs"]
    for method in ("get", "delete"):
        names = {_parameter(spec, p)["name"] for p in list_logs[method]["parameters"]}
        assert set(FLAT_FILTERS) <= names, method


def test_analytics_group_bys_match(spec: dict[str, Any]) -> None:
    analytics = spec["paths"]["/accounts/{account_id}/ai-gateway/gateways/{gateway_id}/analytics"]
    group_by = next(p for p in analytics["get"]["parameters"] if p["name"] == "group_by")
    assert group_by["schema"]["enum"] == list(GROUP_BYS)


def _parameter(spec: dict[str, Any], parameter: dict[str, Any]) -> dict[str, Any]:
    ref = parameter.get("$ref")
    if ref is None:
        return parameter
    found: dict[str, Any] = spec
    for part in ref.removeprefix("#/").split("/"):
        found = found[part]
    return found
