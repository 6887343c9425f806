"""A new OpenAI-compatible provider is one `Provider(...)` line in the registry."""

from __future__ import annotations

import json

import httpx
import pytest

from chalicelib.accounts.store import AccountStore
from chalicelib.errors import BadRequest
from chalicelib.providers.registry import PROVIDERS, Provider
from chalicelib.providers.wires import OPENAI_WIRE
from chalicelib.settings import Settings
from tests.support.tenants import Tenant
from tests.unit.proxy.harness import CHAT_RESPONSE, ProxyHarness

ACME = Provider("acme-llm", "https://api.acme.test/v1", OPENAI_WIRE, None)


def _acme(request: httpx.Request) -> httpx.Response:
    if request.url.host != "api.acme.test":
        return httpx.Response(404)
    return httpx.Response(200, json={**CHAT_RESPONSE, "model": "acme-large-1"})


def test_an_openai_compatible_provider_is_one_line(
    settings: Settings, accounts: AccountStore, tenant: Tenant
) -> None:
    harness = ProxyHarness(settings, accounts, providers=PROVIDERS.extended(ACME))
    harness.handler = _acme
    response = harness.call(tenant, provider="acme-llm")
    assert response.status == 200
    [sent] = harness.sent
    assert str(sent.url) == "https://api.acme.test/v1/chat/completions"
    record = harness.log(tenant, response)
    assert (record.provider, record.model, record.model_type) == (
        "acme-llm",
        "acme-large-1",
        "chat",
    )
    assert (record.tokens_in, record.tokens_out, record.cost) == (1000, 500, None)


def test_the_unified_api_reaches_it_too(
    settings: Settings, accounts: AccountStore, tenant: Tenant
) -> None:
    harness = ProxyHarness(settings, accounts, providers=PROVIDERS.extended(ACME))
    harness.handler = _acme
    body = {"model": "acme-llm/acme-large", "messages": [{"role": "user", "content": "hi"}]}
    response = harness.call(
        tenant, provider="compat", path="chat/completions", body=json.dumps(body).encode()
    )
    assert response.status == 200
    [sent] = harness.sent
    assert str(sent.url) == "https://api.acme.test/v1/chat/completions"
    assert json.loads(sent.content)["model"] == "acme-large"
    assert harness.log(tenant, response).tokens_in == 1000


def test_extending_leaves_the_builtin_registry_alone(
    settings: Settings, accounts: AccountStore, tenant: Tenant
) -> None:
    assert "acme-llm" in PROVIDERS.extended(ACME)
    assert "acme-llm" not in PROVIDERS
    with pytest.raises(BadRequest, match="unknown provider 'acme-llm'"):
        ProxyHarness(settings, accounts).call(tenant, provider="acme-llm")
