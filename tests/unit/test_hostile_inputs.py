"""Hostile input on every route of app.py and every `aig-*` header: never a 5xx.

Each table is run in one test (one moto stack) and its problems are reported together:
a 5xx, an error that is not the Cloudflare envelope (OpenAI's error shape on the unified
API), an error that echoes a header value, or a proxied request whose log was lost.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlencode

import httpx
import pytest
from chalice.test import Client
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from chalicelib import wiring
from chalicelib.logstore.cursor import Cursor, encode_cursor
from chalicelib.settings import Settings
from tests.support.tenants import Tenant, app_client

DEEP_ARRAY = "[" * 5_000 + "]" * 5_000
DEEP_OBJECT = '{"a":' * 5_000 + "1" + "}" * 5_000
HUGE_INT = "9" * 5_000
INT_40 = "1" * 40
LONG = "x" * 20_000

NUMBERS = [
    "NaN",
    "Infinity",
    "-Infinity",
    "1e300",
    "1e400",
    "-1e400",
    "1e-400",
    "5e-324",
    INT_40,
    HUGE_INT,
    "-1",
    "0x10",
    "１２",
    "٣",
    " 5 ",
    "",
    "1.5",
]
"""Hostile numbers, as header or parameter text."""

JSON_VALUES = [
    DEEP_ARRAY,
    DEEP_OBJECT,
    '{"a": NaN}',
    '{"a": Infinity}',
    '{"a": 1e300}',
    '{"a": 1e400}',
    '{"a": 5e-324}',
    f'{{"a": {INT_40}}}',
    f'{{"a": {HUGE_INT}}}',
    '{"a": "\\ud800"}',
    '{"\\udfff": 1}',
    '{"": 1}',
    '{"' + "k" * 1_000 + '": 1}',
    '{"a": "' + "v" * 5_000 + '"}',
    '{"a": [1]}',
    '{"a": null}',
    '{"per_token_in": 1e300, "per_token_out": 1}',
    '{"per_token_in": NaN, "per_token_out": 1}',
    f'{{"per_token_in": {INT_40}, "per_token_out": 1}}',
    f'{{"per_token_in": {HUGE_INT}, "per_token_out": 1}}',
    '{"per_token_in": 1e-200, "per_token_out": 1}',
    '{"per_token_in": 0.1234567890123456789012345678901234567891, "per_token_out": 1}',
    "[]",
    '"x"',
    "null",
    "{",
]
"""Hostile JSON, as header, parameter or body text."""

TEXTS = [LONG, "\u202e\u200b", "\xff\xfe", "é" * 300, "\t", "😀" * 100]
"""Hostile text (header-safe: HTTP header values are Latin-1 text)."""

HEADER_VALUES = [*NUMBERS, *TEXTS, DEEP_ARRAY, DEEP_OBJECT, '{"a": NaN}', '{"a": 1e300}']
"""What every header gets; the JSON headers get all of JSON_VALUES too."""
JSON_HEADERS = ("metadata", "custom-cost")

AIG_HEADERS = [
    "metadata",
    "collect-log",
    "collect-log-payload",
    "event-id",
    "cache-ttl",
    "skip-cache",
    "cache-key",
    "request-timeout",
    "max-attempts",
    "retry-delay",
    "backoff",
    "custom-cost",
    "authorization",
]

DATES = [
    "0001-01-01",
    "0001-01-01T00:00:00+01:00",
    "9999-12-31T23:59:59-01:00",
    "9999-12-31T23:59:59.999999",
    "1969-12-31T23:59:59Z",
    "2026-02-30",
    "2026-13-01",
    "99999-01-01",
    "-0001-01-01",
    "2026-01-01T25:00:00",
]

BODIES = [*JSON_VALUES, "not json", "\xff\xfe", '{"id": "\\ud800"}']

CHAT_ANSWER = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "created": 1,
    "model": "gpt-4o-mini",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}}],
    "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4},
}


def _provider(request: httpx.Request) -> httpx.Response:
    request.read()
    return httpx.Response(200, json=CHAT_ANSWER)


@pytest.fixture
def client(settings: Settings) -> Iterator[Client]:
    with app_client(_provider) as test_client:
        yield test_client


class Problems:
    """What went wrong across one table of requests."""

    def __init__(self) -> None:
        self.found: list[str] = []

    def check(
        self,
        what: str,
        response: Any,
        echoed: str | None = None,
        openai: bool = False,
    ) -> None:
        """Record the problems of one response; `echoed` must not appear in it."""
        status, body = response.status_code, response.body
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)
        if status >= 500:
            self.found.append(f"{what}: {status} {text[:200]}")
            return
        if status < 400:
            log_status = response.headers.get("aig-log-status")
            if log_status == "failed":
                self.found.append(f"{what}: log failed")
            return
        envelope_words = text.replace('"success": false', "").replace('"result": null', "")
        if echoed is not None and len(echoed.strip()) >= 5 and echoed in envelope_words:
            self.found.append(f"{what}: echoes the value")
        try:
            payload = json.loads(text)
        except ValueError:
            self.found.append(f"{what}: {status} body is not JSON: {text[:100]}")
            return
        if openai:
            error = payload.get("error") if isinstance(payload, dict) else None
            if not isinstance(error, dict) or not error.get("message"):
                self.found.append(f"{what}: not OpenAI's error shape: {text[:200]}")
        elif not (
            isinstance(payload, dict)
            and payload.get("success") is False
            and payload.get("errors")
            and payload["errors"][0].get("message")
        ):
            self.found.append(f"{what}: not the envelope: {text[:200]}")

    def assert_none(self) -> None:
        assert not self.found, "\n".join(self.found[:40])


def _describe(value: str) -> str:
    return repr(value[:40]) + (f"...({len(value)} chars)" if len(value) > 40 else "")


def _chat_body(model: str = "gpt-4o-mini") -> bytes:
    return json.dumps({"model": model, "messages": [{"role": "user", "content": "hi"}]}).encode()


def _proxy(tenant: Tenant, tail: str = "openai/chat/completions") -> str:
    return f"/v1/{tenant.account_id}/{tenant.gateway_id}/{tail}"


def _mgmt(tenant: Tenant, tail: str = "") -> str:
    return f"/accounts/{tenant.account_id}/ai-gateway/gateways{tail}"


def _auth(tenant: Tenant) -> dict[str, str]:
    return {"authorization": f"Bearer {tenant.token}", "content-type": "application/json"}


def _log_id(client: Client, tenant: Tenant) -> str:
    response = client.http.post(
        _proxy(tenant), headers={"content-type": "application/json"}, body=_chat_body()
    )
    assert response.status_code == 200
    return response.headers["aig-log-id"]


def test_every_aig_header(client: Client, tenant: Tenant) -> None:
    problems = Problems()
    for name in AIG_HEADERS:
        for value in HEADER_VALUES + (JSON_VALUES if name in JSON_HEADERS else []):
            headers = {"content-type": "application/json", f"aig-{name}": value}
            response = client.http.post(_proxy(tenant), headers=headers, body=_chat_body())
            problems.check(f"aig-{name}: {_describe(value)}", response, echoed=value)
    problems.assert_none()


def test_cf_aig_aliases(client: Client, tenant: Tenant) -> None:
    problems = Problems()
    for name in AIG_HEADERS:
        for value in (DEEP_ARRAY, '{"a": NaN}', HUGE_INT, "1e300"):
            headers = {"content-type": "application/json", f"cf-aig-{name}": value}
            response = client.http.post(_proxy(tenant), headers=headers, body=_chat_body())
            problems.check(f"cf-aig-{name}: {_describe(value)}", response, echoed=value)
    problems.assert_none()


def test_proxied_bodies_are_logged_whatever_they_hold(client: Client, tenant: Tenant) -> None:
    problems = Problems()
    bodies = [
        *BODIES,
        _chat_body("m" * 1_100).decode(),
        '{"model": "\\ud800", "messages": []}',
        '{"model": 5, "messages": []}',
        '{"model": "' + DEEP_ARRAY + '"}',
    ]
    for body in bodies:
        for tail in ("openai/chat/completions", "anthropic/v1/messages", "groq/x/y/z"):
            response = client.http.post(
                _proxy(tenant, tail),
                headers={"content-type": "application/json", "user-agent": LONG},
                body=body.encode("utf-8", "surrogatepass"),
            )
            problems.check(f"{tail} body {_describe(body)}", response)
    for account, gateway in (("a" * 3_000, "main"), (tenant.account_id, "g" * 2_000)):
        for tail in ("openai/chat/completions", "compat/chat/completions", ""):
            response = client.http.post(
                f"/v1/{account}/{gateway}/{tail}".rstrip("/"),
                headers={"content-type": "application/json"},
                body=_chat_body(),
            )
            compat = tail.startswith("compat")
            problems.check(f"ids {account[:9]}/{gateway[:9]}/{tail}", response, openai=compat)
    problems.assert_none()


def _steps(**changes: Any) -> str:
    step = {
        "provider": "openai",
        "endpoint": "chat/completions",
        "headers": {"authorization": "Bearer sk-x"},
        "query": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]},
    }
    return json.dumps([{**step, **changes}])


def _raw_config(key: str, raw: str) -> str:
    """A step whose config `key` is the JSON text `raw`, verbatim."""
    return _steps(config={key: "@@"}).replace('"@@"', raw)


def test_universal_endpoint(client: Client, tenant: Tenant) -> None:
    problems = Problems()
    bodies = [*BODIES, "[" + ",".join([_steps()[1:-1]] * 50) + "]"]
    for key in ("requestTimeout", "maxAttempts", "retryDelay", "cacheTtl", "backoff", "cacheKey"):
        for raw in (*NUMBERS, *[json.dumps(text) for text in NUMBERS]):
            if raw in ("", " 5 ", "１２", "٣", "0x10"):
                raw = json.dumps(raw)
            bodies.append(_raw_config(key, raw))
        bodies += [_raw_config(key, "[1]"), _raw_config(key, "{}"), _raw_config(key, "null")]
    bodies += [
        _steps(provider=LONG),
        _steps(provider="\ud800"),
        _steps(provider=5),
        _steps(endpoint=LONG),
        _steps(endpoint="\ud800/x"),
        _steps(endpoint="../../../etc?x=" + "y" * 5_000),
        _steps(headers={"x-evil": "a\r\nb"}),
        _steps(headers={"x-evil": "\u20ac"}),
        _steps(headers={"\u20ac": "x"}),
        _steps(headers={"aig-metadata": '{"a": NaN}'}),
        _steps(headers={"aig-event-id": "\ud800"}),
        _steps(query={"model": "m" * 1_100}),
        _steps(query={"model": "\ud800"}),
        _steps(query=json.loads('{"a":' * 100 + "1" + "}" * 100)),
        _steps(query=[1]),
        _steps(config=[1]),
    ]
    for body in bodies:
        response = client.http.post(
            _proxy(tenant, "")[:-1],
            headers={"content-type": "application/json"},
            body=body.encode("utf-8", "surrogatepass"),
        )
        problems.check(f"universal {_describe(body)}", response)
    problems.assert_none()


def test_unified_api(client: Client, tenant: Tenant) -> None:
    problems = Problems()
    chat = {"model": "openai/gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}
    deep_arguments = '{"a":' * 5_000 + "1" + "}" * 5_000
    tool_call = {
        "role": "assistant",
        "tool_calls": [
            {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "@@"}}
        ],
    }
    bodies = [
        *BODIES,
        json.dumps({**chat, "model": "openai/" + "m" * 1_100}),
        json.dumps({**chat, "model": "anthropic/" + "m" * 1_100}),
        json.dumps({**chat, "model": "\ud800/x"}),
        json.dumps({**chat, "model": 5}),
        json.dumps({**chat, "messages": "x"}),
        json.dumps({**chat, "messages": [{"role": "user", "content": "\ud800"}]}),
        json.dumps(chat).replace('"hi"', DEEP_ARRAY),
        json.dumps({**chat, "temperature": "@@"}).replace('"@@"', "1e400"),
        json.dumps({**chat, "max_tokens": "@@"}).replace('"@@"', HUGE_INT),
        json.dumps({**chat, "max_tokens": "@@"}).replace('"@@"', "NaN"),
    ]
    for model in ("openai/gpt-4o-mini", "anthropic/claude-3-5-haiku", "google-ai-studio/g"):
        call = json.dumps(
            {
                "model": model,
                "messages": [
                    {"role": "user", "content": "hi"},
                    tool_call,
                    {"role": "tool", "tool_call_id": "c1", "content": deep_arguments},
                ],
            }
        )
        bodies.append(call.replace('"@@"', json.dumps(deep_arguments)))
    for tail in ("compat/chat/completions", "compat/embeddings"):
        for body in bodies:
            response = client.http.post(
                _proxy(tenant, tail),
                headers={"content-type": "application/json"},
                body=body.encode("utf-8", "surrogatepass"),
            )
            problems.check(f"{tail} {_describe(body)}", response, openai=True)
        for name in ("metadata", "custom-cost", "request-timeout", "cache-ttl"):
            for value in (DEEP_ARRAY, '{"a": NaN}', HUGE_INT):
                response = client.http.post(
                    _proxy(tenant, tail),
                    headers={"content-type": "application/json", f"aig-{name}": value},
                    body=json.dumps(chat).encode(),
                )
                problems.check(f"{tail} aig-{name}", response, echoed=value, openai=True)
    problems.assert_none()


def test_gateway_routes(client: Client, tenant: Tenant) -> None:
    problems = Problems()
    bodies = [
        *BODIES,
        '{"id": "' + "g" * 2_000 + '"}',
        '{"id": "ok", "cache_ttl": 1e300}',
        f'{{"id": "ok", "cache_ttl": {INT_40}}}',
        '{"id": "ok", "cache_ttl": NaN}',
        '{"id": "ok", "store_id": "\\ud800"}',
        '{"id": "ok", "logpush_public_key": "' + "k" * 500_000 + '"}',
        '{"id": "ok", "dlp": ' + DEEP_ARRAY + "}",
    ]
    for body in bodies:
        for method, path in (("POST", _mgmt(tenant)), ("PUT", _mgmt(tenant, "/main"))):
            response = client.http.request(
                method, path, headers=_auth(tenant), body=body.encode("utf-8", "surrogatepass")
            )
            problems.check(f"{method} gateway {_describe(body)}", response)
    for gateway in ("g" * 2_000, quote("\u202e"), "%FF", "a" * 65):
        for method in ("GET", "PUT", "DELETE"):
            response = client.http.request(
                method, _mgmt(tenant, f"/{gateway}"), headers=_auth(tenant), body=b"{}"
            )
            problems.check(f"{method} gateway id {_describe(gateway)}", response)
    for name in ("per_page", "page", "search"):
        for value in (*NUMBERS, LONG):
            response = client.http.get(
                _mgmt(tenant) + "?" + urlencode({name: value}), headers=_auth(tenant)
            )
            problems.check(f"list gateways {name}={_describe(value)}", response)
    for token in (LONG, "\xff" * 10, "Bearer " + LONG, "Bearer \t", "Basic " + HUGE_INT):
        response = client.http.get(_mgmt(tenant), headers={"authorization": token})
        problems.check(f"authorization {_describe(token)}", response, echoed=token)
    problems.assert_none()


def _filters(*filters: tuple[str, str, Any]) -> str:
    return json.dumps([{"key": k, "operator": o, "value": v} for k, o, v in filters])


def _forged_cursor(tenant: Tenant, value: Any, after_id: Any = "01J00000000000000000000000") -> str:
    """A cursor signed with the deployment's secret, as a client who knew it could."""
    cursor = Cursor(f"{tenant.account_id}/{tenant.gateway_id}/x", after_id, value)
    return encode_cursor(cursor, wiring.cursor_secret())


def _log_queries(tenant: Tenant) -> list[dict[str, str]]:
    """Hostile `GET|DELETE .../logs` queries; filter values meet every key once each."""
    queries = [{"filters": raw} for raw in JSON_VALUES]
    keys = ("cost", "tokens", "duration", "created_at", "model", "metadata.value")
    operators = itertools.cycle(("eq", "lt", "gt", "contains", "neq"))
    raws = ("NaN", "1e400", HUGE_INT, DEEP_ARRAY, "[[1]]", "{}")
    for key in keys:
        for value in (*NUMBERS, *DATES):
            queries.append({"filters": _filters((key, next(operators), [value]))})
        for raw in raws:
            text = _filters((key, next(operators), ["@@"])).replace('"@@"', raw)
            queries.append({"filters": text})
    queries += [{name: date} for name in ("start_date", "end_date") for date in DATES]
    for name in ("min_cost", "max_duration", "max_tokens_in", "feedback", "per_page"):
        queries += [{name: number} for number in NUMBERS]
    for direction in ("asc", "desc", "up", LONG):
        queries.append({"direction": direction, "order_by_direction": "desc"})
    for order in ("cost", "model", "created_at", "success"):
        for value in (1, "x", True, [1], {"a": 1}, 1e300, 10**50):
            queries.append({"order_by": order, "cursor": _forged_cursor(tenant, value)})
    for after_id in (5, None, [1], "x" * 2_000, "\ud800"):
        queries.append({"cursor": _forged_cursor(tenant, None, after_id)})
    queries += [
        {"cursor": "x" * 5_000},
        {"cursor": "\u20ac.\u20ac"},
        {"search": LONG},
        {"filters.key": "cost", "filters.operator": "gt", "filters.value": HUGE_INT},
        {"filters.key": LONG, "filters.operator": LONG, "filters.value": LONG},
        {"order_by": LONG},
        {"page": HUGE_INT},
        {"limit": HUGE_INT},
    ]
    return queries


def test_logs_list_and_delete(client: Client, tenant: Tenant) -> None:
    _log_id(client, tenant)
    problems = Problems()
    path = _mgmt(tenant, "/main/logs")
    for index, query in enumerate(_log_queries(tenant)):
        text = urlencode(query, encoding="utf-8", errors="surrogatepass")
        method = "DELETE" if index % 4 == 0 else "GET"  # one parser: a share is enough
        response = client.http.request(method, f"{path}?{text}", headers=_auth(tenant))
        problems.check(f"{method} logs {_describe(text)}", response)
    problems.assert_none()


def test_log_routes(client: Client, tenant: Tenant) -> None:
    log_id = _log_id(client, tenant)
    problems = Problems()
    bodies = [
        *BODIES,
        '{"metadata": {"a": 1e300}}',
        f'{{"metadata": {{"a": {INT_40}}}}}',
        '{"metadata": {"a": 5e-324}}',
        '{"metadata": {"a": NaN}}',
        '{"metadata": {"\\ud800": 1}}',
        '{"metadata": {"a": "\\udfff"}}',
        '{"metadata": {"' + "k" * 2_000 + '": 1}}',
        '{"metadata": {"a": "' + "v" * 500_000 + '"}}',
        '{"metadata": {"": 1}}',
        '{"metadata": "x"}',
        '{"metadata": ' + DEEP_ARRAY + "}",
        '{"score": 5e-324}',
        '{"score": NaN}',
        '{"score": 1e300}',
        '{"score": 33.33333333333333333333333333333333333333333}',
        f'{{"score": {HUGE_INT}}}',
        '{"feedback": 1e300}',
        '{"feedback": 1.0000000000000001}',
        f'{{"feedback": {INT_40}}}',
        '{"feedback": "1"}',
    ]
    path = _mgmt(tenant, f"/main/logs/{log_id}")
    for body in bodies:
        response = client.http.request(
            "PATCH", path, headers=_auth(tenant), body=body.encode("utf-8", "surrogatepass")
        )
        problems.check(f"PATCH log {_describe(body)}", response)
    for bad_id in ("x" * 2_000, quote("\u202e"), "%FF", log_id.lower(), "0" * 26):
        for tail in ("", "/request", "/response", "/other"):
            response = client.http.get(
                _mgmt(tenant, f"/main/logs/{bad_id}{tail}"), headers=_auth(tenant)
            )
            problems.check(f"GET log {_describe(bad_id)}{tail}", response)
        response = client.http.request(
            "PATCH", _mgmt(tenant, f"/main/logs/{bad_id}"), headers=_auth(tenant), body=b"{}"
        )
        problems.check(f"PATCH log id {_describe(bad_id)}", response)
    problems.assert_none()


def test_analytics(client: Client, tenant: Tenant) -> None:
    problems = Problems()
    path = _mgmt(tenant, "/main/analytics")
    queries = [{name: date} for name in ("start", "end") for date in (*DATES, *NUMBERS, LONG)]
    queries += [{"group_by": value} for value in (LONG, "\u202e", "")]
    queries += [{"start": "0001-01-01", "end": "9999-12-31T23:59:59-01:00"}]
    for query in queries:
        response = client.http.get(f"{path}?{urlencode(query)}", headers=_auth(tenant))
        problems.check(f"analytics {_describe(urlencode(query))}", response)
    problems.assert_none()


_json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**60), max_value=10**60)
    | st.floats(allow_nan=False)
    | st.text(max_size=40)
)
_json_values = st.recursive(
    _json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
_header_text = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFF), max_size=60)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    name=st.sampled_from(AIG_HEADERS),
    value=_header_text | _json_values.map(json.dumps),
)
@example(name="metadata", value="false")  # the envelope's own `false` is no echo
def test_random_header_values(client: Client, tenant: Tenant, name: str, value: str) -> None:
    problems = Problems()
    headers = {"content-type": "application/json", f"aig-{name}": value}
    response = client.http.post(_proxy(tenant), headers=headers, body=_chat_body())
    problems.check(f"aig-{name}: {_describe(value)}", response, echoed=value)
    problems.assert_none()


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(body=_json_values, target=st.sampled_from(["patch", "filters", "universal", "compat"]))
def test_random_json_bodies(client: Client, tenant: Tenant, body: Any, target: str) -> None:
    problems = Problems()
    text = json.dumps(body)
    if target == "patch":
        response = client.http.request(
            "PATCH",
            _mgmt(tenant, "/main/logs/01J00000000000000000000000"),
            headers=_auth(tenant),
            body=json.dumps({"metadata": body}).encode(),
        )
    elif target == "filters":
        response = client.http.get(
            _mgmt(tenant, "/main/logs?") + urlencode({"filters": text}), headers=_auth(tenant)
        )
    else:
        tail = "" if target == "universal" else "compat/chat/completions"
        response = client.http.post(
            _proxy(tenant, tail).rstrip("/"),
            headers={"content-type": "application/json"},
            body=text.encode("utf-8", "surrogatepass"),
        )
    problems.check(f"{target} {_describe(text)}", response, openai=target == "compat")
    problems.assert_none()
