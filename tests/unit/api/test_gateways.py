"""Gateway create/update/delete through app.py (Chalice test client, moto in-process)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from chalice.test import Client

from chalicelib import aws, wiring
from chalicelib.accounts.store import AccountStore
from chalicelib.cache import gateway_prefix
from chalicelib.proxy.service import ProxyResponse
from chalicelib.ratelimit.items import rate_pk
from chalicelib.settings import Settings
from tests.factories import NEWER_GATEWAY_FIELDS, REQUIRED_GATEWAY_FIELDS
from tests.support.tenants import Tenant, app_client

CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}


def _provider(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"id": "x", "object": "chat.completion", "choices": []})


@pytest.fixture
def client(settings: Settings) -> Iterator[Client]:
    with app_client(_provider) as test_client:
        yield test_client


def _call(
    client: Client, method: str, path: str, token: str, body: Any = None
) -> tuple[int, dict[str, Any]]:
    response = client.http.request(
        method,
        path,
        headers={"authorization": f"Bearer {token}", "content-type": "application/json"},
        body=b"" if body is None else json.dumps(body).encode(),
    )
    return response.status_code, json.loads(response.body)


def _gateways(tenant: Tenant) -> str:
    return f"/accounts/{tenant.account_id}/ai-gateway/gateways"


def _proxy(client: Client, tenant: Tenant, gateway: str) -> dict[str, str]:
    response = client.http.post(
        f"/v1/{tenant.account_id}/{gateway}/openai/chat/completions",
        headers={"content-type": "application/json"},
        body=json.dumps(CHAT).encode(),
    )
    assert response.status_code == 200
    return response.headers


def test_create_get_update_delete(client: Client, tenant: Tenant) -> None:
    status, created = _call(
        client, "POST", _gateways(tenant), tenant.token, {"id": "gw-2", **REQUIRED_GATEWAY_FIELDS}
    )
    assert status == 200 and created["result"]["id"] == "gw-2"
    assert created["result"]["log_management"] == 10_000_000  # paid plan default
    assert created["result"]["stored_logs"] == 0 and created["result"]["dropped_logs"] == 0

    status, updated = _call(
        client,
        "PUT",
        f"{_gateways(tenant)}/gw-2",
        tenant.token,
        {**REQUIRED_GATEWAY_FIELDS, "cache_ttl": 60, "log_management_strategy": "DELETE_OLDEST"},
    )
    assert status == 200 and updated["result"]["cache_ttl"] == 60
    assert updated["result"]["log_management_strategy"] == "DELETE_OLDEST"
    _, fetched = _call(client, "GET", f"{_gateways(tenant)}/gw-2", tenant.token)
    assert fetched["result"]["cache_ttl"] == 60

    status, _ = _call(client, "DELETE", f"{_gateways(tenant)}/gw-2", tenant.token)
    assert status == 200
    assert _call(client, "GET", f"{_gateways(tenant)}/gw-2", tenant.token)[0] == 404


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("collect_logs", "yes"),
        ("cache_ttl", -1),
        ("cache_ttl", True),
        ("cache_invalidate_on_update", 1),
        ("rate_limiting_interval", "10"),
        ("rate_limiting_limit", -5),
        ("rate_limiting_technique", "leaky"),
        ("authentication", None),
        ("log_management", 99),
        ("log_management", 100_000_001),
        ("log_management_strategy", "DELETE_NEWEST"),
        ("retry_max_attempts", 6),
        ("retry_delay", 60_001),
        ("retry_backoff", "random"),
        ("logpush", "yes"),
        ("dlp", {"enabled": True}),
        ("spend_limits", {"rules": [{"limit": 1}]}),
    ],
)
def test_each_field_is_validated(client: Client, tenant: Tenant, field: str, value: Any) -> None:
    status, body = _call(
        client,
        "POST",
        _gateways(tenant),
        tenant.token,
        {"id": "bad", **REQUIRED_GATEWAY_FIELDS, field: value},
    )
    assert status == 400 and field in body["errors"][0]["message"]
    assert _call(client, "GET", f"{_gateways(tenant)}/bad", tenant.token)[0] == 404


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"id": "Has Spaces"}, "id must be"),
        ({"collect_logs": True}, "id is required"),
        ([1, 2], "JSON object"),
    ],
)
def test_bad_create_bodies(client: Client, tenant: Tenant, body: Any, words: str) -> None:
    status, answer = _call(client, "POST", _gateways(tenant), tenant.token, body)
    assert status == 400 and words in answer["errors"][0]["message"]


def test_malformed_json_is_400(client: Client, tenant: Tenant) -> None:
    response = client.http.post(
        _gateways(tenant),
        headers={"authorization": f"Bearer {tenant.token}", "content-type": "application/json"},
        body=b"{not json",
    )
    assert response.status_code == 400 and b"not valid JSON" in response.body


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b"[" * 5_000 + b"]" * 5_000, "nested deeper than 64 levels"),
        (b'{"id": "g", "cache_ttl": NaN}', "non-finite number"),
        (b'{"id": "g", "cache_ttl": 1e300}', "at cache_ttl that is out of range"),
        (b'{"id": "g", "cache_ttl": ' + b"1" * 40 + b"}", "at cache_ttl that has more than 38"),
        (b'{"id": "g", "store_id": "\\ud800"}', "not valid Unicode at store_id"),
        (b'{"id": "g", "dlp": "' + b"x" * 70_000 + b'"}', "larger than 64 KB"),
    ],
)
@pytest.mark.parametrize("method", ["POST", "PUT"])
def test_bodies_the_store_cannot_hold_are_400(
    client: Client, tenant: Tenant, method: str, body: bytes, words: str
) -> None:
    path = _gateways(tenant) + ("" if method == "POST" else f"/{tenant.gateway_id}")
    response = client.http.request(
        method,
        path,
        headers={"authorization": f"Bearer {tenant.token}", "content-type": "application/json"},
        body=body,
    )
    message = json.loads(response.body)["errors"][0]["message"]
    assert response.status_code == 400 and message.startswith("the request body")
    assert words in message


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_a_gateway_id_no_gateway_can_have_is_404(
    client: Client, tenant: Tenant, method: str
) -> None:
    status, answer = _call(client, method, _gateways(tenant) + "/" + "g" * 2_000, tenant.token, {})
    assert status == 404 and answer["errors"][0]["message"] == "gateway not found"


def test_duplicate_gateway_is_400(client: Client, tenant: Tenant) -> None:
    status, body = _call(client, "POST", _gateways(tenant), tenant.token, {"id": tenant.gateway_id})
    assert status == 400 and "already exists" in body["errors"][0]["message"]


def test_plan_gateway_count_is_enforced(client: Client, accounts: AccountStore) -> None:
    accounts.create_account("small", "free")
    token = accounts.issue_token("small", "t").token
    path = "/accounts/small/ai-gateway/gateways"
    for index in range(10):
        assert _call(client, "POST", path, token, {"id": f"g{index}"})[0] == 200
    status, body = _call(client, "POST", path, token, {"id": "g10"})
    assert status == 400 and "at most 10 gateways" in body["errors"][0]["message"]
    assert _call(client, "DELETE", f"{path}/g0", token)[0] == 200
    assert _call(client, "POST", path, token, {"id": "g10"})[0] == 200


def test_free_plan_log_management_range(client: Client, accounts: AccountStore) -> None:
    accounts.create_account("small", "free")
    token = accounts.issue_token("small", "t").token
    path = "/accounts/small/ai-gateway/gateways"
    status, body = _call(client, "POST", path, token, {"id": "g", "log_management": 200_000})
    assert status == 400 and "100,000 on the free plan" in body["errors"][0]["message"]


def test_full_gateway_drops_and_says_so(
    client: Client, tenant: Tenant, accounts: AccountStore
) -> None:
    _call(client, "POST", _gateways(tenant), tenant.token, {"id": "tiny", "log_management": 100})
    headers = [_proxy(client, tenant, "tiny") for _ in range(102)]
    assert all(h["aig-log-status"] == "stored" for h in headers[:100])
    assert headers[-1]["aig-log-status"] == "dropped" and "aig-log-id" not in headers[-1]
    _, gateway = _call(client, "GET", f"{_gateways(tenant)}/tiny", tenant.token)
    assert gateway["result"]["stored_logs"] == 100 and gateway["result"]["dropped_logs"] == 2


@pytest.mark.parametrize(
    ("strategy", "kept"), [("STOP_INSERTING", "first"), ("DELETE_OLDEST", "last")]
)
def test_lowering_log_management_applies_the_strategy(
    client: Client, tenant: Tenant, strategy: str, kept: str
) -> None:
    body = {"id": "trim", "log_management": 120, "log_management_strategy": strategy}
    _call(client, "POST", _gateways(tenant), tenant.token, body)
    ids = [_proxy(client, tenant, "trim")["aig-log-id"] for _ in range(110)]
    status, updated = _call(
        client, "PUT", f"{_gateways(tenant)}/trim", tenant.token, {"log_management": 100}
    )
    assert status == 200 and updated["result"]["stored_logs"] == 100
    _, listing = _call(client, "GET", f"{_gateways(tenant)}/trim/logs?per_page=100", tenant.token)
    remaining = sorted(log["id"] for log in listing["result"])
    assert remaining == (ids[:100] if kept == "first" else ids[10:])
    account = wiring.accounts().get_account(tenant.account_id)
    assert account is not None and account.stored_logs == 100


def test_delete_gateway_removes_logs_bodies_and_counts(
    client: Client, tenant: Tenant, settings: Settings
) -> None:
    _call(client, "POST", _gateways(tenant), tenant.token, {"id": "doomed"})
    for _ in range(5):
        _proxy(client, tenant, "doomed")
    _proxy(client, tenant, tenant.gateway_id)
    status, deleted = _call(client, "DELETE", f"{_gateways(tenant)}/doomed", tenant.token)
    assert status == 200 and deleted["result"]["deleting"] is False
    items = aws.table(settings.logs_table).scan()["Items"]
    assert all(not item["pk"].startswith("acme#doomed#") for item in items) and len(items) == 1
    keys = [
        o["Key"]
        for o in aws.client("s3").list_objects_v2(Bucket=settings.bodies_bucket)["Contents"]
    ]
    assert all(not key.startswith("acme/doomed/") for key in keys) and len(keys) == 1
    account = wiring.accounts().get_account(tenant.account_id)
    assert account is not None and account.stored_logs == 1 and account.gateway_count == 1
    rollups = [i for i in aws.table(settings.control_table).scan()["Items"] if "ROLLUP#" in i["pk"]]
    assert rollups and all(not item["pk"].endswith("#doomed") for item in rollups)
    missing = client.http.post(
        f"/v1/{tenant.account_id}/doomed/openai/chat/completions",
        headers={"content-type": "application/json"},
        body=json.dumps(CHAT).encode(),
    )
    assert missing.status_code == 404


def test_another_account_cannot_create_change_or_delete(
    client: Client, tenant: Tenant, other_tenant: Tenant
) -> None:
    path = _gateways(tenant)
    calls = [
        ("POST", path, {"id": "intruder"}),
        ("PUT", f"{path}/{tenant.gateway_id}", {"collect_logs": False}),
        ("DELETE", f"{path}/{tenant.gateway_id}", None),
    ]
    for method, url, body in calls:
        assert _call(client, method, url, other_tenant.token, body)[0] == 404
    _, gateway = _call(client, "GET", f"{path}/{tenant.gateway_id}", tenant.token)
    assert gateway["result"]["collect_logs"] is True
    assert _call(client, "GET", f"{path}/intruder", tenant.token)[0] == 404


def test_cache_generation_is_internal_and_bumped_by_invalidating_updates(
    client: Client, tenant: Tenant
) -> None:
    path = f"{_gateways(tenant)}/{tenant.gateway_id}"
    start = wiring.accounts().get_gateway(tenant.account_id, tenant.gateway_id)
    assert start is not None
    _, plain = _call(client, "PUT", path, tenant.token, {"cache_ttl": 60})
    assert "cache_generation" not in plain["result"]
    after_plain = wiring.accounts().get_gateway(tenant.account_id, tenant.gateway_id)
    assert after_plain is not None and after_plain.cache_generation == start.cache_generation
    _call(client, "PUT", path, tenant.token, {"cache_invalidate_on_update": True})
    _call(client, "PUT", path, tenant.token, {"cache_ttl": 120, "log_management": 1000})
    bumped = wiring.accounts().get_gateway(tenant.account_id, tenant.gateway_id)
    assert bumped is not None and bumped.cache_generation == start.cache_generation + 2
    assert bumped.cache_ttl == 120 and bumped.log_limit == 1000


def test_a_recreated_gateway_does_not_inherit_the_old_cache_generation(
    client: Client, tenant: Tenant
) -> None:
    _call(client, "POST", _gateways(tenant), tenant.token, {"id": "again"})
    old = wiring.accounts().get_gateway(tenant.account_id, "again")
    _call(client, "DELETE", f"{_gateways(tenant)}/again", tenant.token)
    _call(client, "POST", _gateways(tenant), tenant.token, {"id": "again"})
    new = wiring.accounts().get_gateway(tenant.account_id, "again")
    assert old is not None and new is not None
    assert new.cache_generation != old.cache_generation


def test_delete_gateway_purges_its_cache_and_rate_limits(
    client: Client, tenant: Tenant, settings: Settings
) -> None:
    _call(client, "POST", _gateways(tenant), tenant.token, {"id": "doomed"})
    cache = wiring.response_cache()
    answer = ProxyResponse(200, {"Content-Type": "application/json"}, b"{}")
    for gateway in ("doomed", tenant.gateway_id):
        assert cache.put(f"{gateway_prefix(tenant.account_id, gateway)}1/k", answer, 60)
        assert wiring.rate_limiter().acquire(tenant.account_id, gateway, 5, 60, "sliding").allowed
    status, _ = _call(client, "DELETE", f"{_gateways(tenant)}/doomed", tenant.token)
    assert status == 200
    keys = [
        o["Key"]
        for o in aws.client("s3").list_objects_v2(Bucket=settings.bodies_bucket, Prefix="cache/")[
            "Contents"
        ]
    ]
    assert keys == [f"{gateway_prefix(tenant.account_id, tenant.gateway_id)}1/k"]
    pks = {item["pk"] for item in aws.table(settings.control_table).scan()["Items"]}
    assert rate_pk(tenant.account_id, tenant.gateway_id) in pks
    assert rate_pk(tenant.account_id, "doomed") not in pks


def test_newer_fields_are_stored_and_echoed(
    client: Client, tenant: Tenant, settings: Settings
) -> None:
    body = {"id": "full", **REQUIRED_GATEWAY_FIELDS, **NEWER_GATEWAY_FIELDS}
    status, created = _call(client, "POST", _gateways(tenant), tenant.token, body)
    assert status == 200, created
    _, fetched = _call(client, "GET", f"{_gateways(tenant)}/full", tenant.token)
    _, listed = _call(client, "GET", _gateways(tenant), tenant.token)
    listed_full = next(g for g in listed["result"] if g["id"] == "full")
    for answer in (created["result"], fetched["result"], listed_full):
        assert {k: answer[k] for k in NEWER_GATEWAY_FIELDS} == NEWER_GATEWAY_FIELDS
    item = aws.table(settings.control_table).get_item(
        Key={"pk": f"ACCOUNT#{tenant.account_id}", "sk": "GATEWAY#full"}
    )["Item"]
    assert str(item["spend_limits"]["rules"][0]["limit"]) == "12.5"  # a Decimal in DynamoDB

    changes = {
        "dlp": {"action": "FLAG", "enabled": False, "profiles": ["ssn"]},
        "stripe": None,
        "spend_limits": {"enabled": False, "rules": []},
        "zdr": False,
    }
    status, updated = _call(client, "PUT", f"{_gateways(tenant)}/full", tenant.token, changes)
    assert status == 200
    _, fetched = _call(client, "GET", f"{_gateways(tenant)}/full", tenant.token)
    for answer in (updated["result"], fetched["result"]):
        assert {k: answer[k] for k in changes} == changes
        assert answer["guardrails"] == NEWER_GATEWAY_FIELDS["guardrails"]


def test_a_gateway_read_back_can_be_sent_back_as_is(client: Client, tenant: Tenant) -> None:
    path = f"{_gateways(tenant)}/{tenant.gateway_id}"
    _call(client, "PUT", path, tenant.token, {**NEWER_GATEWAY_FIELDS, "retry_max_attempts": 3})
    _, before = _call(client, "GET", path, tenant.token)
    status, again = _call(client, "PUT", path, tenant.token, before["result"])
    assert status == 200, again
    _, after = _call(client, "GET", path, tenant.token)
    live = ("modified_at", "spend_usage")  # spend_usage: the limits' usage now
    unchanged = {k: v for k, v in before["result"].items() if k not in live}
    assert {k: after["result"][k] for k in unchanged} == unchanged

    _, fresh = _call(client, "POST", _gateways(tenant), tenant.token, {"id": "fresh"})
    status, again = _call(
        client, "PUT", f"{_gateways(tenant)}/fresh", tenant.token, fresh["result"]
    )
    assert status == 200, again

    cloudflare_extras = {"is_default": False, "account_tag": "x", "internal_id": "y"}
    status, _ = _call(client, "PUT", path, tenant.token, {**before["result"], **cloudflare_extras})
    assert status == 200
    status, refused = _call(client, "PUT", path, tenant.token, {**before["result"], "colour": 1})
    assert status == 400 and "'colour'" in refused["errors"][0]["message"]
