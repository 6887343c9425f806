"""Chalice app: routes only. Every handler calls into chalicelib."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from functools import wraps
from typing import Any

from chalice.app import CloudWatchEvent, Cron, Rate, Request, Response, SQSEvent

from chalicelib import wiring
from chalicelib.api import unsupported
from chalicelib.api.chalice_glue import (
    BINARY_TYPES,
    ThreadSafeChalice,
    api_errors,
    body_for,
    body_limit,
    envelope_errors,
    error_response,
    json_response,
    observed,
    refuse_other_methods,
)
from chalicelib.dashboard import StaticAnswer, entry_redirect, static_file
from chalicelib.errors import ApiError, BadRequest, NotFound
from chalicelib.logstore import compaction_budget_s, handle_sqs_event
from chalicelib.proxy import proxy_answer
from chalicelib.validation import InvalidInput, api_body

app = ThreadSafeChalice(app_name="ai-gateway")
app.api.binary_types = BINARY_TYPES
app.register_middleware(observed, "all")
app.register_middleware(envelope_errors, "http")
app.register_middleware(body_limit(lambda: wiring.settings().max_request_bytes), "http")
if wiring.settings().local_poller:  # `chalice local` runs no SQS handlers
    wiring.local_poller()

MAX_PROXY_DEPTH = 8
"""Path segments after the provider slug; `chalice local` needs one route per depth."""

_GATEWAYS = "/accounts/{account_id}/ai-gateway/gateways"
_LOG = _GATEWAYS + "/{gateway_id}/logs/{log_id}"
_PROVIDER_CONFIGS = _GATEWAYS + "/{gateway_id}/provider_configs"
_CUSTOM_PROVIDERS = "/accounts/{account_id}/ai-gateway/custom-providers"
_ROUTES = _GATEWAYS + "/{gateway_id}/routes"


@app.route("/healthz", methods=["GET"])
def healthz() -> Response | dict[str, str]:
    """Liveness; with `?deep=1`, whether the tables, bucket and queue answer (else 503)."""
    if _params().get("deep") != ["1"]:
        return {"status": "ok"}
    checks = wiring.health_checks()
    healthy = all(outcome == "ok" for outcome in checks.values())
    return json_response(
        {"status": "ok" if healthy else "failing", "checks": checks}, 200 if healthy else 503
    )


@app.route("/dashboard", methods=["GET"])
def dashboard() -> Response:
    """The web dashboard: a redirect to its page (chalicelib.dashboard)."""
    return _static(entry_redirect())


@app.route("/dashboard/{file}", methods=["GET"])
@api_errors
def dashboard_file(file: str) -> Response:
    """One file of the dashboard (an allow-list; any other name is a 404 in the envelope)."""
    return _static(static_file(file, _request().headers.get("if-none-match")))


def _static(answer: StaticAnswer) -> Response:
    return Response(body=answer.body, status_code=answer.status, headers={**answer.headers})


def _request() -> Request:
    """The request being served (Chalice sets it before it calls a view)."""
    request = app.current_request
    if request is None:
        raise RuntimeError("no current request: called outside a view")
    return request


def _raw_body(request: Request, empty: bytes) -> bytes:
    """The request body as bytes (`empty` when there is none)."""
    body = request.raw_body or empty
    return body.encode("utf-8") if isinstance(body, str) else body


def _proxy(**params: str) -> Response:
    """A proxy route, buffered: Chalice cannot stream (the data plane does)."""
    request = _request()
    query = request.query_params
    result = proxy_answer(
        wiring.proxy_service(),
        params,
        method=request.method,
        headers={name.lower(): value for name, value in request.headers.items()},
        body=_raw_body(request, b""),
        query=[(key, value) for key in query for value in query.getlist(key)] if query else [],
    )
    try:
        body = result.read()  # a relayed answer's log is written as it ends
    except ApiError as exc:  # the provider broke off its answer
        return error_response(exc)
    return Response(
        body=body_for(result.content_type, body), status_code=result.status, headers=result.headers
    )


app.route(
    "/v1/{account_id}/{gateway_id}", methods=["POST"], content_types=["*/*"], name="universal"
)(_proxy)
for _depth in range(1, MAX_PROXY_DEPTH + 1):
    _segments = "/".join(f"{{p{i}}}" for i in range(1, _depth + 1))
    app.route(
        f"/v1/{{account_id}}/{{gateway_id}}/{{provider}}/{_segments}",
        methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
        content_types=["*/*"],
        name=f"proxy_{_depth}",
    )(_proxy)


View = Callable[..., Response]
"""A route's view: its path parameters as keyword arguments."""


def api_route(path: str, methods: list[str]) -> Callable[[View], View]:
    """Register a route of the management, logs or analytics API: its path parameters are
    decoded and its errors answered in the envelope (`api_errors`), and the request's bearer
    token is checked against its `account_id` before the view runs."""

    def register(view: View) -> View:
        @wraps(view)
        def authenticated(account_id: str, **params: str) -> Response:
            authorization = _request().headers.get("authorization")
            wiring.account_auth().authenticate(authorization, account_id)
            return view(account_id=account_id, **params)

        register_route = app.route(path, methods=methods)
        registered: View = register_route(api_errors(authenticated))
        return registered

    return register


def _json_body() -> object:
    try:
        return api_body(_raw_body(_request(), b"null"))
    except InvalidInput as exc:
        raise BadRequest(f"the request body {exc}") from None


def _params() -> dict[str, list[str]]:
    params = _request().query_params
    return {name: params.getlist(name) for name in params} if params else {}


@api_route(_GATEWAYS, methods=["GET"])
def list_gateways(account_id: str) -> Response:
    return json_response(wiring.management_api().list_gateways(account_id, _params()))


@api_route(_GATEWAYS, methods=["POST"])
def create_gateway(account_id: str) -> Response:
    return json_response(wiring.management_api().create_gateway(account_id, _json_body()))


@api_route(_GATEWAYS + "/{gateway_id}", methods=["GET"])
def get_gateway(account_id: str, gateway_id: str) -> Response:
    return json_response(wiring.management_api().get_gateway(account_id, gateway_id))


@api_route(_GATEWAYS + "/{gateway_id}", methods=["PUT"])
def update_gateway(account_id: str, gateway_id: str) -> Response:
    api = wiring.management_api()
    return json_response(api.update_gateway(account_id, gateway_id, _json_body()))


@api_route(_GATEWAYS + "/{gateway_id}", methods=["DELETE"])
def delete_gateway(account_id: str, gateway_id: str) -> Response:
    return json_response(wiring.management_api().delete_gateway(account_id, gateway_id))


@api_route(_GATEWAYS + "/{gateway_id}/logs", methods=["GET"])
def list_logs(account_id: str, gateway_id: str) -> Response:
    return json_response(wiring.logs_api().list_logs(account_id, gateway_id, _params()))


@api_route(_GATEWAYS + "/{gateway_id}/logs", methods=["DELETE"])
def delete_logs(account_id: str, gateway_id: str) -> Response:
    return json_response(wiring.logs_api().delete_logs(account_id, gateway_id, _params()))


@api_route(_LOG, methods=["GET"])
def get_log(account_id: str, gateway_id: str, log_id: str) -> Response:
    return json_response(wiring.logs_api().get_log(account_id, gateway_id, log_id))


@api_route(_LOG, methods=["PATCH"])
def edit_log(account_id: str, gateway_id: str, log_id: str) -> Response:
    api = wiring.logs_api()
    return json_response(api.edit_log(account_id, gateway_id, log_id, _json_body()))


@api_route(_LOG + "/{part}", methods=["GET"])
def get_log_body(account_id: str, gateway_id: str, log_id: str, part: str) -> Response:
    if part not in ("request", "response"):
        raise NotFound(f"no such log resource: {part}")
    raw = wiring.logs_api().get_body(account_id, gateway_id, log_id, part)
    return Response(
        body=body_for(raw.content_type, raw.body),
        status_code=200,
        headers={"Content-Type": raw.content_type},
    )


@api_route(_GATEWAYS + "/{gateway_id}/analytics", methods=["GET"])
def analytics(account_id: str, gateway_id: str) -> Response:
    return json_response(wiring.analytics_api().analytics(account_id, gateway_id, _params()))


_DATASETS = _GATEWAYS + "/{gateway_id}/datasets"
_EVALUATIONS = _GATEWAYS + "/{gateway_id}/evaluations"


@api_route("/accounts/{account_id}/ai-gateway/evaluation-types", methods=["GET"])
def list_evaluation_types(account_id: str) -> Response:
    return json_response(wiring.evals_api().list_evaluation_types(_params()))


@api_route(_DATASETS, methods=["GET"])
def list_datasets(account_id: str, gateway_id: str) -> Response:
    return json_response(wiring.evals_api().list_datasets(account_id, gateway_id, _params()))


@api_route(_DATASETS, methods=["POST"])
def create_dataset(account_id: str, gateway_id: str) -> Response:
    return json_response(wiring.evals_api().create_dataset(account_id, gateway_id, _json_body()))


@api_route(_DATASETS + "/{dataset_id}", methods=["GET"])
def get_dataset(account_id: str, gateway_id: str, dataset_id: str) -> Response:
    return json_response(wiring.evals_api().get_dataset(account_id, gateway_id, dataset_id))


@api_route(_DATASETS + "/{dataset_id}", methods=["PUT"])
def update_dataset(account_id: str, gateway_id: str, dataset_id: str) -> Response:
    api = wiring.evals_api()
    return json_response(api.update_dataset(account_id, gateway_id, dataset_id, _json_body()))


@api_route(_DATASETS + "/{dataset_id}", methods=["DELETE"])
def delete_dataset(account_id: str, gateway_id: str, dataset_id: str) -> Response:
    return json_response(wiring.evals_api().delete_dataset(account_id, gateway_id, dataset_id))


@api_route(_EVALUATIONS, methods=["GET"])
def list_evaluations(account_id: str, gateway_id: str) -> Response:
    return json_response(wiring.evals_api().list_evaluations(account_id, gateway_id, _params()))


@api_route(_EVALUATIONS, methods=["POST"])
def create_evaluation(account_id: str, gateway_id: str) -> Response:
    api = wiring.evals_api()
    return json_response(api.create_evaluation(account_id, gateway_id, _json_body()))


@api_route(_EVALUATIONS + "/{evaluation_id}", methods=["GET"])
def get_evaluation(account_id: str, gateway_id: str, evaluation_id: str) -> Response:
    return json_response(wiring.evals_api().get_evaluation(account_id, gateway_id, evaluation_id))


@api_route(_EVALUATIONS + "/{evaluation_id}", methods=["DELETE"])
def delete_evaluation(account_id: str, gateway_id: str, evaluation_id: str) -> Response:
    api = wiring.evals_api()
    return json_response(api.delete_evaluation(account_id, gateway_id, evaluation_id))


@api_route(_PROVIDER_CONFIGS, methods=["GET"])
def list_provider_configs(account_id: str, gateway_id: str) -> Response:
    api = wiring.provider_configs_api()
    return json_response(api.list(account_id, gateway_id, _params()))


@api_route(_PROVIDER_CONFIGS, methods=["POST"])
def create_provider_config(account_id: str, gateway_id: str) -> Response:
    api = wiring.provider_configs_api()
    return json_response(api.create(account_id, gateway_id, _json_body()))


@api_route(_PROVIDER_CONFIGS + "/{config_id}", methods=["DELETE"])
def delete_provider_config(account_id: str, gateway_id: str, config_id: str) -> Response:
    api = wiring.provider_configs_api()
    return json_response(api.delete(account_id, gateway_id, config_id))


@api_route(_CUSTOM_PROVIDERS, methods=["GET"])
def list_custom_providers(account_id: str) -> Response:
    return json_response(wiring.custom_providers_api().list(account_id, _params()))


@api_route(_CUSTOM_PROVIDERS, methods=["POST"])
def create_custom_provider(account_id: str) -> Response:
    return json_response(wiring.custom_providers_api().create(account_id, _json_body()))


@api_route(_CUSTOM_PROVIDERS + "/{provider_id}", methods=["GET"])
def get_custom_provider(account_id: str, provider_id: str) -> Response:
    return json_response(wiring.custom_providers_api().get(account_id, provider_id))


@api_route(_CUSTOM_PROVIDERS + "/{provider_id}", methods=["DELETE"])
def delete_custom_provider(account_id: str, provider_id: str) -> Response:
    return json_response(wiring.custom_providers_api().delete(account_id, provider_id))


@api_route(_GATEWAYS + "/{gateway_id}/url/{provider}", methods=["GET"])
def gateway_url(account_id: str, gateway_id: str, provider: str) -> Response:
    host = _request().headers.get("host")
    return json_response(wiring.gateway_urls_api().get(account_id, gateway_id, provider, host))


def _dynamic_routing(name: str) -> View:
    """A view of a dynamic-routing path (each route needs a view of its own name)."""

    def view(account_id: str, **params: str) -> Response:
        unsupported.dynamic_routing()

    view.__name__ = name
    return view


for _index, (_path, _methods) in enumerate(
    [
        (_ROUTES, ["GET", "POST"]),
        (_ROUTES + "/{route_id}", ["GET", "PATCH", "DELETE"]),
        (_ROUTES + "/{route_id}/deployments", ["GET", "POST"]),
        (_ROUTES + "/{route_id}/versions", ["GET", "POST"]),
        (_ROUTES + "/{route_id}/versions/{version_id}", ["GET"]),
    ]
):  # the SDK's dynamic_routing: 404 in the envelope until it is built
    api_route(_path, methods=_methods)(_dynamic_routing(f"dynamic_routing_{_index}"))


@app.on_sqs_message(
    queue=wiring.settings().log_queue_name, batch_size=100, maximum_batching_window_in_seconds=5
)
def write_logs(event: SQSEvent) -> dict[str, object]:
    records = (record.to_dict() for record in event)
    delete = None if wiring.settings().sqs_partial_responses else wiring.delete_stored_messages
    return handle_sqs_event(wiring.batch_writer(), records, delete)


@app.schedule(Rate(1, unit=Rate.HOURS))
def compact_packs(event: CloudWatchEvent) -> dict[str, object]:
    context: Any = event.context  # the Lambda context (Chalice types it loosely)
    remaining_s = context.get_remaining_time_in_millis() / 1000
    return asdict(wiring.pack_compactor().run(budget_s=compaction_budget_s(remaining_s)))


@app.schedule(Cron(20, "*", "*", "*", "?", "*"))  # 20 past: after the export's lag
def export_logs(event: CloudWatchEvent) -> dict[str, object]:
    context: Any = event.context  # the Lambda context (Chalice types it loosely)
    return asdict(wiring.export_logs(context.get_remaining_time_in_millis() / 1000))


@app.schedule(Rate(1, unit=Rate.DAYS))
def repair_intents(event: CloudWatchEvent) -> dict[str, object]:
    return asdict(wiring.repair_intents(budget_s=45))  # within the 60 s Lambda timeout


refuse_other_methods(app)  # last: every route path is registered by now
