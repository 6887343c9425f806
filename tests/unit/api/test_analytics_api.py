"""The analytics endpoint's logic through AnalyticsApi, on rollups written to moto."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import pytest
from chalice.test import Client

from chalicelib import aws
from chalicelib.accounts.store import AccountStore
from chalicelib.api.analytics_api import AnalyticsApi
from chalicelib.errors import BadRequest, NotFound
from chalicelib.logstore.ids import new_log_id
from chalicelib.logstore.record import LogRecord
from chalicelib.logstore.rollups import Rollups
from chalicelib.settings import Settings
from chalicelib.timestamps import iso_utc
from tests.factories import log_record
from tests.support.tenants import Tenant, app_client

START = datetime(2026, 6, 1, 10, tzinfo=UTC)
RANGE = {"start": ["2026-06-01T10:00:00Z"], "end": ["2026-06-01T13:00:00Z"]}


@pytest.fixture
def rollups(settings: Settings) -> Rollups:
    return Rollups(settings.control_table)


@pytest.fixture
def api(settings: Settings, accounts: AccountStore, rollups: Rollups) -> AnalyticsApi:
    return AnalyticsApi(accounts, rollups, aws.table(settings.control_table))


def _store(rollups: Rollups, records: Sequence[LogRecord]) -> None:
    aws.client("dynamodb").transact_write_items(TransactItems=rollups.actions(records))


def _log(moment: datetime, tenant: Tenant, **fields: object) -> LogRecord:
    return log_record(
        new_log_id(moment), account_id=tenant.account_id, gateway_id=tenant.gateway_id, **fields
    )


@pytest.fixture
def seeded(rollups: Rollups, tenant: Tenant) -> None:
    """Hours 10, 11, 12: openai gpt-4o (2 per hour, one failed) and anthropic claude (1)."""
    records = []
    for hour in range(3):
        moment = START + timedelta(hours=hour, minutes=5)
        records += [
            _log(moment, tenant, model="gpt-4o", cost=Decimal("0.25"), tokens_in=10, duration=10),
            _log(moment, tenant, model="gpt-4o", success=False, duration=30),
            _log(moment, tenant, provider="anthropic", model="claude", cached=True, duration=20),
        ]
    _store(rollups, records)


def test_defaults_are_the_last_24_hours_by_hour(
    api: AnalyticsApi, rollups: Rollups, tenant: Tenant
) -> None:
    now = datetime.now(UTC)
    _store(rollups, [_log(now - timedelta(hours=1), tenant), _log(now, tenant)])
    _store(rollups, [_log(now - timedelta(hours=30), tenant)])
    answer = api.analytics(tenant.account_id, tenant.gateway_id, {})
    assert answer["success"] is True
    assert sum(row["requests"] for row in answer["result"]) == 2
    assert all(set(row) >= {"hour", "requests", "duration_avg"} for row in answer["result"])
    info = answer["result_info"]
    assert info["group_by"] == "hour"
    assert info["count"] == len(answer["result"])
    start, end = (datetime.fromisoformat(info[name]) for name in ("start", "end"))
    assert end - start == timedelta(hours=24)
    assert abs(end - now) < timedelta(minutes=1)


@pytest.mark.usefixtures("seeded")
def test_group_by_hour(api: AnalyticsApi, tenant: Tenant) -> None:
    answer = api.analytics(tenant.account_id, tenant.gateway_id, RANGE)
    assert [row["hour"] for row in answer["result"]] == [
        "2026-06-01T10:00:00.000Z",
        "2026-06-01T11:00:00.000Z",
        "2026-06-01T12:00:00.000Z",
    ]
    first = answer["result"][0]
    assert first["requests"] == 3
    assert first["errors"] == 1
    assert first["cached"] == 1
    assert first["cost"] == 0.25
    assert first["cost_known"] == 1
    assert first["tokens_in"] == 10
    assert first["duration_sum"] == 60
    assert first["duration_avg"] == 20
    assert answer["result_info"] == {
        "start": "2026-06-01T10:00:00.000Z",
        "end": "2026-06-01T13:00:00.000Z",
        "group_by": "hour",
        "count": 3,
    }


@pytest.mark.usefixtures("seeded")
def test_group_by_model_and_provider(api: AnalyticsApi, tenant: Tenant) -> None:
    by_model = api.analytics(tenant.account_id, tenant.gateway_id, {**RANGE, "group_by": ["model"]})
    assert [(r["model"], r["requests"], r["errors"]) for r in by_model["result"]] == [
        ("claude", 3, 0),
        ("gpt-4o", 6, 3),
    ]
    by_provider = api.analytics(
        tenant.account_id, tenant.gateway_id, {**RANGE, "group_by": ["provider"]}
    )
    assert [(r["provider"], r["cost"], r["cached"]) for r in by_provider["result"]] == [
        ("anthropic", 0.0, 3),
        ("openai", 0.75, 0),
    ]
    assert by_provider["result_info"]["group_by"] == "provider"


@pytest.mark.usefixtures("seeded")
def test_group_by_hour_and_model_or_provider(api: AnalyticsApi, tenant: Tenant) -> None:
    params = {**RANGE, "group_by": ["hour,model"]}
    answer = api.analytics(tenant.account_id, tenant.gateway_id, params)
    hours = [iso_utc(START + timedelta(hours=index)) for index in range(3)]
    assert [(r["hour"], r["model"], r["requests"], r["errors"]) for r in answer["result"]] == [
        (hour, model, requests, errors)
        for hour in hours
        for model, requests, errors in (("claude", 1, 0), ("gpt-4o", 2, 1))
    ]
    assert answer["result_info"]["group_by"] == "hour,model"
    assert answer["result_info"]["count"] == 6
    params = {**RANGE, "group_by": ["hour,provider"]}
    by_provider = api.analytics(tenant.account_id, tenant.gateway_id, params)["result"]
    assert [(r["hour"], r["provider"], r["cost"]) for r in by_provider][:2] == [
        (hours[0], "anthropic", 0.0),
        (hours[0], "openai", 0.25),
    ]


@pytest.mark.usefixtures("seeded")
def test_naive_times_are_utc_and_offsets_are_converted(api: AnalyticsApi, tenant: Tenant) -> None:
    def requests(start: str, end: str) -> int:
        answer = api.analytics(
            tenant.account_id, tenant.gateway_id, {"start": [start], "end": [end]}
        )
        return sum(row["requests"] for row in answer["result"])

    assert requests("2026-06-01T11:00:00", "2026-06-01T12:00:00") == 3
    assert requests("2026-06-01T13:00:00+02:00", "2026-06-01T14:00:00+02:00") == 3
    assert requests("2026-06-01", "2026-06-02") == 9


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"start": ["yesterday"]}, "start"),
        ({"end": ["2026-13-01"]}, "end"),
        ({"start": ["0001-01-01"]}, "start must be between the years"),
        ({"end": ["9999-12-31T23:00:00-05:00"]}, "end"),
        ({"start": ["2026-06-02"], "end": ["2026-06-01"]}, "start"),
        ({"start": ["2026-06-01"], "end": ["2026-06-01"]}, "start"),
        ({"start": ["2025-01-01"], "end": ["2026-06-01"]}, "366 days"),
        ({"group_by": ["day"]}, "group_by must be one of hour | model | provider"),
        ({"group_by": ["model,hour"]}, r"hour,model \| hour,provider"),
        ({"group_by": ["hour,day"]}, r"hour,model \| hour,provider"),
    ],
)
def test_bad_parameters(
    api: AnalyticsApi, tenant: Tenant, params: dict[str, list[str]], named: str
) -> None:
    with pytest.raises(BadRequest, match=named):
        api.analytics(tenant.account_id, tenant.gateway_id, params)


def test_a_full_year_is_allowed(api: AnalyticsApi, tenant: Tenant) -> None:
    params = {"start": ["2024-01-01"], "end": ["2025-01-01"]}  # 366 days (leap year)
    assert api.analytics(tenant.account_id, tenant.gateway_id, params)["result"] == []


def test_unknown_gateway(api: AnalyticsApi, tenant: Tenant) -> None:
    with pytest.raises(NotFound):
        api.analytics(tenant.account_id, "nope", {})


@pytest.mark.usefixtures("seeded")
def test_accounts_never_see_each_other(
    api: AnalyticsApi,
    accounts: AccountStore,
    rollups: Rollups,
    tenant: Tenant,
    other_tenant: Tenant,
) -> None:
    accounts.create_gateway(tenant.account_id, "secret", {})
    _store(rollups, [log_record(account_id=tenant.account_id, gateway_id="secret")])
    for group_by in ("hour", "hour,model"):
        with pytest.raises(NotFound):
            api.analytics(other_tenant.account_id, "secret", {"group_by": [group_by]})
    assert other_tenant.gateway_id == tenant.gateway_id
    answer = api.analytics(other_tenant.account_id, other_tenant.gateway_id, RANGE)
    assert answer["result"] == []
    assert answer["result_info"]["count"] == 0
    mine = api.analytics(tenant.account_id, tenant.gateway_id, RANGE)
    assert mine["result_info"]["count"] == 3


def test_iso_utc_bounds_in_result_info(api: AnalyticsApi, tenant: Tenant) -> None:
    params = {"start": ["2026-06-01T12:30:00+02:00"], "end": ["2026-06-01T11:00:00"]}
    info = api.analytics(tenant.account_id, tenant.gateway_id, params)["result_info"]
    assert (info["start"], info["end"]) == (
        iso_utc(START + timedelta(minutes=30)),
        iso_utc(START + timedelta(hours=1)),
    )


def _no_provider(request: httpx.Request) -> httpx.Response:
    raise AssertionError("no provider call here")


@pytest.fixture
def client(settings: Settings) -> Iterator[Client]:
    with app_client(_no_provider) as test_client:
        yield test_client


@pytest.mark.parametrize("group_by", ["model,hour", "hour,model,provider", "hour%2Cday"])
def test_a_bad_group_by_is_a_400_in_the_envelope(
    client: Client, tenant: Tenant, group_by: str
) -> None:
    path = f"/accounts/{tenant.account_id}/ai-gateway/gateways/{tenant.gateway_id}/analytics"
    headers = {"authorization": f"Bearer {tenant.token}"}
    response = client.http.get(f"{path}?group_by={group_by}", headers=headers)
    assert response.status_code == 400
    body = response.json_body
    assert body["success"] is False
    assert "hour,model | hour,provider" in body["errors"][0]["message"]
    good = client.http.get(f"{path}?group_by=hour%2Cprovider", headers=headers)
    assert good.status_code == 200
    assert good.json_body["result_info"]["group_by"] == "hour,provider"
