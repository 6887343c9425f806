"""Stored provider keys, custom providers, gateway URLs and dynamic routing against the
running gateway (`make run`), with the official Cloudflare SDK to manage them and the
OpenAI SDK to proxy: the fake provider tells which key it received."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import cloudflare
import httpx
import openai
import pytest

from tests.fakes.upstream import FakeUpstreamProcess
from tests.support.gateway import Gateway, create_with_sdk

pytestmark = pytest.mark.e2e

GATEWAY = "byok"
FIRST = "sk-e2e-stored-key-first-000001"
SECOND = "sk-e2e-stored-key-second-00002"
CUSTOM = "sk-e2e-custom-provider-key-003"
PRICES = {"per_token_in": 0.001, "per_token_out": 0.002}


@pytest.fixture(scope="module")
def rival(gateway: Gateway) -> str:
    """A token of another account of the same deployment."""
    store = gateway.accounts()
    store.create_account("byok-rival", plan="free")
    return store.issue_token("byok-rival", name="e2e").token


@pytest.fixture(scope="module")
def byok_gateway(gateway: Gateway, cf: cloudflare.Cloudflare) -> Iterator[str]:
    create_with_sdk(cf, gateway.account, GATEWAY)
    yield GATEWAY
    cf.ai_gateway.delete(GATEWAY, account_id=gateway.account)


def _oai(gateway: Gateway, provider: str, token: str = "", **headers: str) -> openai.OpenAI:
    """An OpenAI client that brings no provider key, only the account token (the SDK wants
    a key: it sends the token as one, which the gateway takes for no key and never relays)."""
    token = token or gateway.token
    return openai.OpenAI(
        base_url=f"{gateway.url}/v1/{gateway.account}/{GATEWAY}/{provider}",
        api_key=token,
        max_retries=0,
        default_headers={"cf-aig-authorization": f"Bearer {token}", **headers},
    )


def _sent_key(fake: FakeUpstreamProcess, marker: str) -> str:
    (sent,) = [r for r in fake.requests() if marker.encode() in r["body"]]
    return str(sent["headers"].get("authorization"))


def _ask(client: openai.OpenAI, marker: str) -> Any:
    return client.chat.completions.with_raw_response.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": marker}]
    )


def test_stored_keys_are_used_rotated_and_deleted(
    gateway: Gateway,
    cf: cloudflare.Cloudflare,
    byok_gateway: str,
    fake_upstream: FakeUpstreamProcess,
) -> None:
    ids = {"account_id": gateway.account}
    first = cf.ai_gateway.provider_configs.create(
        byok_gateway, alias="main", default_config=True, provider_slug="openai", secret=FIRST, **ids
    )
    assert first.secret_preview == "..." + FIRST[-4:] and first.provider_slug == "openai"
    listed = list(cf.ai_gateway.provider_configs.list(byok_gateway, **ids))
    assert [c.id for c in listed] == [first.id]

    marker = f"byok {uuid.uuid4()}"
    raw = _ask(_oai(gateway, "openai"), marker)
    assert raw.parse().choices[0].message.content == f"echo: {marker}"
    assert _sent_key(fake_upstream, marker) == f"Bearer {FIRST}"

    second = cf.ai_gateway.provider_configs.create(
        byok_gateway,
        alias="next",
        default_config=True,
        provider_slug="openai",
        secret=SECOND,
        **ids,
    )
    rotated = f"rotated {uuid.uuid4()}"
    _ask(_oai(gateway, "openai"), rotated)
    assert _sent_key(fake_upstream, rotated) == f"Bearer {SECOND}"

    path = f"/accounts/{gateway.account}/ai-gateway/gateways/{byok_gateway}/provider_configs"
    auth = {"authorization": f"Bearer {gateway.token}"}
    deleted = httpx.delete(f"{gateway.url}{path}/{second.id}", headers=auth)
    assert deleted.status_code == 200 and deleted.json()["result"]["id"] == second.id
    back = f"back {uuid.uuid4()}"
    _ask(_oai(gateway, "openai"), back)
    assert _sent_key(fake_upstream, back) == f"Bearer {FIRST}"

    # no aig-authorization: the stored key is not used
    anonymous = f"anonymous {uuid.uuid4()}"
    url = f"{gateway.url}/v1/{gateway.account}/{byok_gateway}/openai/chat/completions"
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": anonymous}]}
    httpx.post(url, json=body)
    assert _sent_key(fake_upstream, anonymous) == "None"

    log = cf.ai_gateway.logs.get(raw.headers["aig-log-id"], gateway_id=byok_gateway, **ids)
    seen = json.dumps(log.model_dump(), default=str) + json.dumps(
        [c.model_dump() for c in cf.ai_gateway.provider_configs.list(byok_gateway, **ids)],
        default=str,
    )
    seen += json.dumps(cf.ai_gateway.logs.request(log.id, gateway_id=byok_gateway, **ids))
    seen += "".join(gateway.output)  # the gateway's own log lines
    assert FIRST not in seen and SECOND not in seen
    relayed = json.dumps([r["headers"] for r in fake_upstream.requests()])
    assert gateway.token not in relayed  # the account token sent as the SDK's key stays here


def test_another_account_can_neither_list_nor_use_nor_delete_them(
    gateway: Gateway,
    cf: cloudflare.Cloudflare,
    byok_gateway: str,
    rival: str,
    fake_upstream: FakeUpstreamProcess,
) -> None:
    ids = {"account_id": gateway.account}
    key = cf.ai_gateway.provider_configs.create(
        byok_gateway,
        alias="guarded",
        default_config=False,
        provider_slug="groq",
        secret=FIRST,
        **ids,
    )
    theirs = cloudflare.Cloudflare(api_token=rival, base_url=gateway.url, max_retries=0)
    with pytest.raises(cloudflare.NotFoundError):
        list(theirs.ai_gateway.provider_configs.list(byok_gateway, **ids))
    with pytest.raises(cloudflare.NotFoundError):
        theirs.ai_gateway.custom_providers.list(**ids)
    path = f"/accounts/{gateway.account}/ai-gateway/gateways/{byok_gateway}/provider_configs"
    refused = httpx.delete(
        f"{gateway.url}{path}/{key.id}", headers={"authorization": f"Bearer {rival}"}
    )
    assert refused.status_code == 404
    marker = f"rival {uuid.uuid4()}"
    with pytest.raises(openai.AuthenticationError) as denied:
        _ask(_oai(gateway, "groq", token=rival), marker)
    assert rival not in str(denied.value)
    assert [r for r in fake_upstream.requests() if marker.encode() in r["body"]] == []


def test_custom_providers_are_managed_and_proxied(
    gateway: Gateway,
    cf: cloudflare.Cloudflare,
    byok_gateway: str,
    fake_upstream: FakeUpstreamProcess,
    rival: str,
) -> None:
    ids = {"account_id": gateway.account}
    created = cf.ai_gateway.custom_providers.create(
        base_url=f"{fake_upstream.url}/openai/v1", name="Local LLM", slug="local-llm", **ids
    )
    assert cf.ai_gateway.custom_providers.get(created.id, **ids).slug == "local-llm"
    found = list(cf.ai_gateway.custom_providers.list(search="local", **ids))
    assert [p.id for p in found] == [created.id]
    theirs = cloudflare.Cloudflare(api_token=rival, base_url=gateway.url, max_retries=0)
    with pytest.raises(cloudflare.NotFoundError):
        theirs.ai_gateway.custom_providers.delete(created.id, **ids)
    with pytest.raises(cloudflare.BadRequestError):  # a public https URL only, but loopback
        cf.ai_gateway.custom_providers.create(
            base_url="http://10.0.0.1/v1", name="Private", slug="private", **ids
        )
    cf.ai_gateway.provider_configs.create(
        byok_gateway,
        alias="custom",
        default_config=True,
        provider_slug="custom-local-llm",
        secret=CUSTOM,
        **ids,
    )
    client = _oai(gateway, "custom-local-llm", **{"cf-aig-custom-cost": json.dumps(PRICES)})
    marker = f"custom {uuid.uuid4()}"
    raw = _ask(client, marker)
    assert raw.parse().choices[0].message.content == f"echo: {marker}"
    assert _sent_key(fake_upstream, marker) == f"Bearer {CUSTOM}"
    log = cf.ai_gateway.logs.get(raw.headers["aig-log-id"], gateway_id=byok_gateway, **ids)
    assert log.provider == "custom-local-llm" and log.tokens_in and log.tokens_out
    assert log.cost == pytest.approx(log.tokens_in * 0.001 + log.tokens_out * 0.002)

    streamed = f"stream {uuid.uuid4()}"
    with client.chat.completions.with_streaming_response.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": streamed}],
        stream=True,
        stream_options={"include_usage": True},
    ) as response:
        stream_log_id = response.headers["aig-log-id"]
        text = "".join(c.choices[0].delta.content or "" for c in response.parse() if c.choices)
    assert text == f"echo: {streamed}"
    stream_log = cf.ai_gateway.logs.get(stream_log_id, gateway_id=byok_gateway, **ids)
    assert stream_log.tokens_out and stream_log.cost is not None

    cf.ai_gateway.custom_providers.delete(created.id, **ids)
    gone = f"gone {uuid.uuid4()}"
    with pytest.raises(openai.BadRequestError):
        _ask(client, gone)


def test_gateway_urls(gateway: Gateway, cf: cloudflare.Cloudflare, byok_gateway: str) -> None:
    url = cf.ai_gateway.urls.get("openai", account_id=gateway.account, gateway_id=byok_gateway)
    assert url == f"{gateway.url}/v1/{gateway.account}/{byok_gateway}/openai"
    with pytest.raises(cloudflare.NotFoundError):
        cf.ai_gateway.urls.get("no-such", account_id=gateway.account, gateway_id=byok_gateway)


def test_dynamic_routing_is_404_in_the_envelope(
    gateway: Gateway, cf: cloudflare.Cloudflare, byok_gateway: str
) -> None:
    ids = {"account_id": gateway.account, "gateway_id": byok_gateway}
    calls = [
        lambda: cf.ai_gateway.dynamic_routing.list(byok_gateway, account_id=gateway.account),
        lambda: cf.ai_gateway.dynamic_routing.get("r1", **ids),
        lambda: cf.ai_gateway.dynamic_routing.delete("r1", **ids),
        lambda: cf.ai_gateway.dynamic_routing.list_versions("r1", **ids),
        lambda: cf.ai_gateway.dynamic_routing.get_version("v1", id="r1", **ids),
    ]
    for call in calls:
        with pytest.raises(cloudflare.NotFoundError) as refused:
            call()
        assert "dynamic routing is not supported yet" in str(refused.value)
