"""The logs API through app.py: filters in both encodings, pages, delete, edit, errors."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from chalice.test import Client

from app import app
from chalicelib import aws, wiring
from chalicelib.accounts.store import AccountStore
from chalicelib.logstore.bodies import StoredBodies
from chalicelib.logstore.cursor import Cursor, encode_cursor
from chalicelib.logstore.ids import new_log_id
from chalicelib.logstore.record import LogRecord
from chalicelib.logstore.record_api import API_FIELDS
from chalicelib.logstore.writes import LogPolicy
from chalicelib.settings import Settings
from chalicelib.timestamps import iso_utc
from tests.support.tenants import Tenant

START = datetime(2026, 6, 1, tzinfo=UTC)
POLICY = LogPolicy(shard_count=16, evict_oldest=False)


def _seed(
    tenant: Tenant, count: int, gateway: str | None = None, offset: int = 0
) -> list[LogRecord]:
    admission = wiring.log_admission()
    records = []
    for index in range(count):
        moment = START + timedelta(minutes=offset + index)
        record = LogRecord(
            id=new_log_id(moment),
            created_at=iso_utc(moment),
            account_id=tenant.account_id,
            gateway_id=gateway or tenant.gateway_id,
            provider="anthropic" if index % 3 == 0 else "openai",
            path="chat/completions",
            status_code=500 if index % 10 == 9 else 200,
            success=index % 10 != 9,
            duration=index * 10,
            model="claude-sonnet-4" if index % 3 == 0 else "gpt-4o-mini",
            tokens_in=index,
            tokens_out=2 * index,
            cost=Decimal(index) / 1000,
            metadata={"user": f"u{index % 4}"},
            event_id=f"ev-{index}",
        )
        admission.admit(record, StoredBodies(b"{}", b"{}"), POLICY)
        records.append(record)
    return records


@pytest.fixture
def client(settings: Settings) -> Iterator[Client]:
    with Client(app, stage_name="local") as test_client:
        yield test_client


def _list(
    client: Client, tenant: Tenant, query: str = "", gateway: str | None = None
) -> tuple[int, dict[str, Any]]:
    path = f"/accounts/{tenant.account_id}/ai-gateway/gateways/{gateway or tenant.gateway_id}/logs"
    response = client.http.get(
        f"{path}?{query}" if query else path, headers={"authorization": f"Bearer {tenant.token}"}
    )
    return response.status_code, json.loads(response.body)


def _ids(body: dict[str, Any]) -> list[str]:
    return [log["id"] for log in body["result"]]


def test_json_filters(client: Client, tenant: Tenant) -> None:
    records = _seed(tenant, 30)
    filters = json.dumps(
        [
            {"key": "model", "operator": "eq", "value": ["claude-sonnet-4"]},
            {"key": "cost", "operator": "gt", "value": [0.01]},
        ]
    )
    status, body = _list(client, tenant, "per_page=100&filters=" + quote(filters))
    expected = [r.id for r in records if r.model == "claude-sonnet-4" and r.cost > Decimal("0.01")]
    assert status == 200 and _ids(body) == expected[::-1]


def test_sdk_filter_form_and_flat_params(client: Client, tenant: Tenant) -> None:
    records = _seed(tenant, 30)
    query = urlencode(
        [
            ("filters.key", "provider"),
            ("filters.operator", "eq"),
            ("filters.value", "openai"),
            ("success", "false"),
            ("per_page", "100"),
        ]
    )
    _, body = _list(client, tenant, query)
    expected = [r.id for r in records if r.provider == "openai" and not r.success]
    assert _ids(body) == expected[::-1] and expected


def test_search_order_and_total(client: Client, tenant: Tenant) -> None:
    records = _seed(tenant, 20)
    _, body = _list(client, tenant, "search=EV-1&per_page=100")
    assert sorted(_ids(body)) == sorted(r.id for r in records if "ev-1" in r.event_id)
    _, by_cost = _list(client, tenant, "order_by=cost&order_by_direction=asc&per_page=5")
    assert _ids(by_cost) == [r.id for r in records[:5]]
    assert by_cost["result_info"]["total_count"] == 20
    _, unfiltered = _list(client, tenant, "per_page=5")
    assert unfiltered["result_info"]["total_count"] == 20


def test_cursor_is_stable_while_new_logs_arrive(client: Client, tenant: Tenant) -> None:
    records = _seed(tenant, 12)
    seen: list[str] = []
    _, page = _list(client, tenant, "per_page=5")
    seen += _ids(page)
    _seed(tenant, 3, offset=100)  # newer logs land while the client pages
    while page["result_info"]["cursor"]:
        _, page = _list(client, tenant, "per_page=5&cursor=" + page["result_info"]["cursor"])
        seen += _ids(page)
    assert seen == [r.id for r in records][::-1]


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("filters=" + quote('[{"key":"colour","operator":"eq","value":["x"]}]'), "colour"),
        ("filters=" + quote('[{"key":"model","operator":"like","value":["x"]}]'), "like"),
        ("filters=" + quote('[{"key":"cost","operator":"gt","value":["cheap"]}]'), "cheap"),
        ("filters=" + quote("[{not json"), "JSON"),
        ("order_by=colour", "order_by"),
        ("cursor=abc.def", "invalid cursor"),
    ],
)
def test_bad_queries_are_400(client: Client, tenant: Tenant, query: str, words: str) -> None:
    status, body = _list(client, tenant, query)
    assert status == 400 and words in body["errors"][0]["message"]


def test_cursor_of_another_query_is_400(client: Client, tenant: Tenant) -> None:
    _seed(tenant, 5)
    _, page = _list(client, tenant, "per_page=2")
    status, body = _list(
        client, tenant, "per_page=2&model=gpt-4o-mini&cursor=" + page["result_info"]["cursor"]
    )
    assert status == 400 and "another gateway or query" in body["errors"][0]["message"]


INTERNAL = {"pk", "sk", "fail_pk", "account_id", "body_key", "body_offset", "body_length"}


def test_answers_show_only_allowed_fields(client: Client, tenant: Tenant) -> None:
    records = _seed(tenant, 10)  # the tenth failed: its item carries the failures-index key
    _, listed = _list(client, tenant, "per_page=100")
    failed = records[9].id
    path = f"/accounts/{tenant.account_id}/ai-gateway/gateways/{tenant.gateway_id}/logs/{failed}"
    got = json.loads(
        client.http.get(path, headers={"authorization": f"Bearer {tenant.token}"}).body
    )
    _, edited = _patch(client, tenant, failed, {"feedback": -1})
    answers = [*listed["result"], got["result"], edited["result"]]
    assert len(answers) == 12
    for log in answers:
        assert not set(log) & INTERNAL and set(log) <= set(API_FIELDS)
        assert set(log) >= {"id", "created_at", "provider", "model", "success", "cost"}
    assert got["result"]["id"] == failed and got["result"]["success"] is False


def _delete(client: Client, tenant: Tenant, query: str) -> tuple[int, dict[str, Any]]:
    path = f"/accounts/{tenant.account_id}/ai-gateway/gateways/{tenant.gateway_id}/logs"
    response = client.http.delete(
        f"{path}?{query}", headers={"authorization": f"Bearer {tenant.token}"}
    )
    return response.status_code, json.loads(response.body)


def _recount(settings: Settings, tenant: Tenant) -> int:
    items = aws.table(settings.logs_table).scan()["Items"]
    prefix = f"{tenant.account_id}#{tenant.gateway_id}#"
    return sum(1 for item in items if item["pk"].startswith(prefix) and "dropped" not in item["pk"])


def test_delete_by_filter_keeps_counters_exact(
    client: Client, tenant: Tenant, settings: Settings, accounts: AccountStore
) -> None:
    records = _seed(tenant, 30)
    status, body = _delete(client, tenant, "model=claude-sonnet-4")
    assert status == 200 and body["result"]["deleted"] == 10 and body["result"]["complete"]
    assert _delete(client, tenant, "model=claude-sonnet-4")[1]["result"]["deleted"] == 0
    _, left = _list(client, tenant, "per_page=100")
    assert _ids(left) == [r.id for r in records if r.model != "claude-sonnet-4"][::-1]
    gateway = accounts.get_gateway(tenant.account_id, tenant.gateway_id)
    account = accounts.get_account(tenant.account_id)
    assert gateway is not None and account is not None
    assert gateway.stored_logs == account.stored_logs == _recount(settings, tenant) == 20


def test_delete_with_limit_and_order(client: Client, tenant: Tenant) -> None:
    records = _seed(tenant, 10)
    _, body = _delete(client, tenant, "limit=3&order_by=created_at&order_by_direction=asc")
    assert body["result"]["deleted"] == 3
    _, left = _list(client, tenant, "per_page=100")
    assert _ids(left) == [r.id for r in records[3:]][::-1]


def test_failed_validation_deletes_nothing(client: Client, tenant: Tenant) -> None:
    _seed(tenant, 5)
    bad = "filters=" + quote('[{"key":"model","operator":"eq","value":["x"]},{"key":"nope"}]')
    assert _delete(client, tenant, bad)[0] == 400
    assert _delete(client, tenant, "limit=0")[0] == 400
    assert len(_ids(_list(client, tenant, "per_page=100")[1])) == 5


def _patch(client: Client, tenant: Tenant, log_id: str, body: Any) -> tuple[int, dict[str, Any]]:
    path = f"/accounts/{tenant.account_id}/ai-gateway/gateways/{tenant.gateway_id}/logs/{log_id}"
    response = client.http.request(
        "PATCH",
        path,
        headers={"authorization": f"Bearer {tenant.token}", "content-type": "application/json"},
        body=json.dumps(body).encode(),
    )
    return response.status_code, json.loads(response.body)


def test_edit_feedback_score_metadata_then_filter(client: Client, tenant: Tenant) -> None:
    records = _seed(tenant, 4)
    target = records[1].id
    status, edited = _patch(
        client, tenant, target, {"feedback": 1, "score": 87, "metadata": {"label": "good"}}
    )
    assert status == 200 and edited["result"]["feedback"] == 1 and edited["result"]["score"] == 87
    assert json.loads(edited["result"]["metadata"]) == {"user": "u1", "label": "good"}
    _, liked = _list(client, tenant, "feedback=1")
    assert _ids(liked) == [target]
    _, labelled = _list(
        client,
        tenant,
        "filters=" + quote('[{"key":"metadata.value","operator":"eq","value":["good"]}]'),
    )
    assert _ids(labelled) == [target]


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"feedback": 2}, "feedback"),
        ({"score": 101}, "score"),
        ({"metadata": {"a": 1, "b": 2, "c": 3, "d": 4, "e": 5}}, "more than 5"),
        ({"metadata": {"a": [1]}}, "string, number or bool"),
        ({"metadata": []}, "metadata must be a JSON object"),
        ({"metadata": 0}, "metadata must be a JSON object"),
        ({"metadata": ""}, "metadata must be a JSON object"),
        ({"metadata": False}, "metadata must be a JSON object"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_edits_are_400(client: Client, tenant: Tenant, body: Any, words: str) -> None:
    records = _seed(tenant, 1)
    status, answer = _patch(client, tenant, records[0].id, body)
    assert status == 400 and words in answer["errors"][0]["message"]


def _patch_text(client: Client, tenant: Tenant, log_id: str, text: str) -> tuple[int, str]:
    path = f"/accounts/{tenant.account_id}/ai-gateway/gateways/{tenant.gateway_id}/logs/{log_id}"
    response = client.http.request(
        "PATCH",
        path,
        headers={"authorization": f"Bearer {tenant.token}", "content-type": "application/json"},
        body=text.encode(),
    )
    return response.status_code, json.loads(response.body)["errors"][0]["message"]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('{"metadata": {"a": 1e300}}', "at metadata.a that is out of range"),
        ('{"metadata": {"a": 5e-324}}', "at metadata.a that is out of range"),
        ('{"metadata": {"a": ' + "1" * 40 + "}}", "more than 38 digits"),
        ('{"metadata": {"a": NaN}}', "non-finite number"),
        ('{"metadata": {"a": "\\ud800"}}', "not valid Unicode at metadata.a"),
        ('{"metadata": {"": 1}}', "metadata entry 1: the key is empty"),
        ('{"metadata": {"k": "' + "v" * 300 + '"}}', "longer than 256 characters"),
        ('{"metadata": ' + "[" * 5_000 + "]" * 5_000 + "}", "nested deeper than 64 levels"),
        ('{"score": 5e-324}', "out of range"),
        ('{"score": ' + "9" * 5_000 + "}", "more than 1000 digits"),
        ('{"feedback": 1e400}', "too large"),
    ],
)
def test_edits_the_log_store_cannot_write_are_400(
    client: Client, tenant: Tenant, text: str, words: str
) -> None:
    records = _seed(tenant, 1)
    status, message = _patch_text(client, tenant, records[0].id, text)
    assert status == 400 and words in message


def test_edit_to_a_fractional_score_is_stored(client: Client, tenant: Tenant) -> None:
    records = _seed(tenant, 1)
    status, edited = _patch(client, tenant, records[0].id, {"score": 33.5})
    assert status == 200 and edited["result"]["score"] == 33.5


@pytest.mark.parametrize(
    ("query", "value"),
    [("order_by=cost", "x"), ("order_by=model", 1), ("order_by=success", 1.5), ("", True)],
)
def test_forged_cursor_of_the_wrong_type_is_400(
    client: Client, tenant: Tenant, query: str, value: Any
) -> None:
    """The local cursor secret is public: a forged cursor must still be a 400."""
    _seed(tenant, 3)
    scope = _cursor_scope(client, tenant, query)
    forged = encode_cursor(Cursor(scope, new_log_id(), value), wiring.cursor_secret())
    status, body = _list(client, tenant, f"{query}&cursor={forged}")
    assert status == 400 and "invalid cursor" in body["errors"][0]["message"]


def _cursor_scope(client: Client, tenant: Tenant, query: str) -> str:
    """The scope the logs API gives cursors of `query` (read from one it issued)."""
    _, page = _list(client, tenant, f"{query}&per_page=1")
    body = page["result_info"]["cursor"].partition(".")[0]
    return json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))["s"]


@pytest.mark.parametrize(
    "query",
    [
        "start_date=0001-01-01",
        "end_date=9999-12-31T23:59:59-01:00",
        "start_date=0001-01-01T00:00:00%2B01:00&end_date=9999-12-31T23:59:59.999999",
        "filters=" + quote('[{"key":"created_at","operator":"gt","value":["0001-01-01"]}]'),
        "direction=asc&order_by_direction=asc",
    ],
)
def test_edge_dates_and_agreeing_directions_list_everything(
    client: Client, tenant: Tenant, query: str
) -> None:
    records = _seed(tenant, 3)
    status, body = _list(client, tenant, query)
    assert status == 200 and sorted(_ids(body)) == sorted(r.id for r in records)


def test_a_gateway_id_no_gateway_can_have_is_404(client: Client, tenant: Tenant) -> None:
    for gateway in ("g" * 2_000, "Upper"):
        status, body = _list(client, tenant, gateway=gateway)
        assert status == 404 and body["errors"][0]["message"] == "gateway not found"


def test_gateways_and_accounts_are_isolated(
    client: Client, tenant: Tenant, other_tenant: Tenant, accounts: AccountStore
) -> None:
    accounts.create_gateway(tenant.account_id, "second", {})
    mine = _seed(tenant, 3)
    _seed(tenant, 2, gateway="second")
    assert len(_ids(_list(client, tenant, "per_page=100")[1])) == 3
    assert len(_ids(_list(client, tenant, "per_page=100", gateway="second")[1])) == 2
    intruder = Tenant(tenant.account_id, tenant.gateway_id, other_tenant.token)
    assert _list(client, intruder)[0] == 404
    assert _delete(client, intruder, "")[0] == 404
    assert _patch(client, intruder, mine[0].id, {"feedback": 1})[0] == 404
    assert len(_ids(_list(client, tenant, "per_page=100")[1])) == 3


def test_large_delete_stops_at_its_budget_and_resumes(
    client: Client, tenant: Tenant, accounts: AccountStore, settings: Settings
) -> None:
    from chalicelib.api.logs_api import LogsApi
    from chalicelib.logstore.bodies import S3BodyStore
    from chalicelib.logstore.reader import LogReader
    from chalicelib.logstore.search import LogSearcher

    records = _seed(tenant, 8)
    table = aws.table(settings.logs_table)
    hurried = LogsApi(
        accounts,
        LogReader(table),
        LogSearcher(table),
        wiring.log_maintenance(),
        S3BodyStore(aws.client("s3"), settings.bodies_bucket),
        wiring.cursor_secret(),
        budget_s=0,
    )
    first = hurried.delete_logs(tenant.account_id, tenant.gateway_id, {})
    assert first["result"] == {"success": True, "deleted": 0, "complete": False}
    finished = wiring.logs_api().delete_logs(tenant.account_id, tenant.gateway_id, {})
    assert finished["result"]["deleted"] == len(records) and finished["result"]["complete"]
    assert _recount(settings, tenant) == 0


def test_analytics_route_answers_from_rollups(
    client: Client, tenant: Tenant, other_tenant: Tenant
) -> None:
    records = _seed(tenant, 12)
    path = f"/accounts/{tenant.account_id}/ai-gateway/gateways/{tenant.gateway_id}/analytics"
    query = "?start=2026-06-01T00:00:00Z&end=2026-06-02T00:00:00Z&group_by=model"
    response = client.http.get(path + query, headers={"authorization": f"Bearer {tenant.token}"})
    rows = {row["model"]: row for row in json.loads(response.body)["result"]}
    for model in ("claude-sonnet-4", "gpt-4o-mini"):
        mine = [r for r in records if r.model == model]
        assert rows[model]["requests"] == len(mine)
        assert rows[model]["errors"] == sum(1 for r in mine if not r.success)
        assert rows[model]["tokens_in"] == sum(r.tokens_in or 0 for r in mine)
    intruder = client.http.get(
        path + query, headers={"authorization": f"Bearer {other_tenant.token}"}
    )
    assert intruder.status_code == 404
