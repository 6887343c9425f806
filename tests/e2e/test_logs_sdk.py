"""Log search, edit and delete with the official Cloudflare SDK over real HTTP."""

from __future__ import annotations

import cloudflare
import openai
import pytest

from tests.support.gateway import Gateway

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def logged(gateway: Gateway, cf: cloudflare.Cloudflare) -> dict[str, list[str]]:
    """A fresh gateway with logs of two models and one failure."""
    cf.ai_gateway.create(
        account_id=gateway.account,
        id="search-gw",
        cache_invalidate_on_update=False,
        cache_ttl=0,
        collect_logs=True,
        rate_limiting_interval=0,
        rate_limiting_limit=0,
    )
    client = openai.OpenAI(
        base_url=f"{gateway.url}/v1/{gateway.account}/search-gw/openai",
        api_key="sk-e2e",
        max_retries=0,
    )
    ids: dict[str, list[str]] = {"gpt-4o": [], "gpt-4o-mini": [], "failed": []}
    for index in range(6):
        model = "gpt-4o" if index % 2 else "gpt-4o-mini"
        raw = client.chat.completions.with_raw_response.create(
            model=model,
            messages=[{"role": "user", "content": f"message number {index}"}],
            extra_headers={"cf-aig-metadata": f'{{"user": "u{index}"}}'},
        )
        ids[model].append(raw.headers["aig-log-id"])
    with pytest.raises(openai.InternalServerError) as failure:
        client.chat.completions.create(
            model="gpt-4o",
            messages=[{"role": "user", "content": "boom"}],
            extra_headers={"x-fake-status": "500"},
        )
    ids["failed"].append(failure.value.response.headers["aig-log-id"])
    return ids


def _list(cf: cloudflare.Cloudflare, gateway: Gateway, **params: object) -> list[str]:
    page = cf.ai_gateway.logs.list(gateway_id="search-gw", account_id=gateway.account, **params)  # type: ignore[arg-type]
    return [log.id for log in page.result]


def test_filters_in_the_sdk_form(
    cf: cloudflare.Cloudflare, gateway: Gateway, logged: dict[str, list[str]]
) -> None:
    mini = _list(
        cf, gateway, filters=[{"key": "model", "operator": "eq", "value": ["gpt-4o-mini"]}]
    )
    assert mini == logged["gpt-4o-mini"][::-1]
    failed = _list(cf, gateway, success=False)
    assert failed == logged["failed"]
    by_user = _list(
        cf, gateway, filters=[{"key": "metadata.value", "operator": "eq", "value": ["u3"]}]
    )
    assert by_user == [logged["gpt-4o"][1]]
    assert _list(cf, gateway, search="U5") == [logged["gpt-4o"][2]]


def test_sdk_pages_by_number(
    cf: cloudflare.Cloudflare, gateway: Gateway, logged: dict[str, list[str]]
) -> None:
    every = [
        log.id
        for log in cf.ai_gateway.logs.list(
            gateway_id="search-gw", account_id=gateway.account, per_page=2
        )
    ]
    assert sorted(every) == sorted(sum(logged.values(), []))


def test_edit_then_filter_then_delete(
    cf: cloudflare.Cloudflare, gateway: Gateway, logged: dict[str, list[str]]
) -> None:
    target = logged["gpt-4o"][0]
    cf.ai_gateway.logs.edit(
        target, account_id=gateway.account, gateway_id="search-gw", feedback=1, score=90
    )
    assert _list(cf, gateway, feedback=1) == [target]
    cf.ai_gateway.logs.delete(
        gateway_id="search-gw",
        account_id=gateway.account,
        filters=[{"key": "model", "operator": "eq", "value": ["gpt-4o-mini"]}],
    )
    remaining = _list(cf, gateway, per_page=50)
    assert sorted(remaining) == sorted(logged["gpt-4o"] + logged["failed"])
    info = cf.ai_gateway.get("search-gw", account_id=gateway.account)
    assert info.model_extra is not None and info.model_extra["stored_logs"] == len(remaining)
    with pytest.raises(cloudflare.BadRequestError, match="colour"):
        _list(cf, gateway, filters=[{"key": "colour", "operator": "eq", "value": ["x"]}])
