"""Stored provider keys and custom providers on the proxy path (ProxyService over moto, the
provider an httpx MockTransport): which key goes upstream, when, where, and what it costs."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import httpx
import pytest

from chalicelib import aws
from chalicelib.accounts.store import AccountStore
from chalicelib.custom_providers import CustomProviderStore, parse_custom_provider
from chalicelib.errors import BadRequest, Unauthorized
from chalicelib.provider_keys import FileKeyWrapper, ProviderKeyStore, parse_new_key
from chalicelib.proxy.custom import CustomProviders
from chalicelib.proxy.service import ProxyService
from chalicelib.proxy.stored_keys import StoredKeys
from chalicelib.proxy.upstream import UpstreamClient
from chalicelib.settings import Settings
from tests.support.byok import use_local_key_file
from tests.support.tenants import Tenant
from tests.unit.proxy.harness import CHAT_RESPONSE, CLIENT_KEY, ProxyHarness

STORED = "sk-stored-openai-key-0000000001"
ROTATED = "sk-stored-openai-key-0000000002"
ANTHROPIC = "sk-ant-stored-key-00000000000"
PRICES = {"per_token_in": 0.001, "per_token_out": 0.002}


class Counting:
    """A key source that counts its calls (Query and unwrap)."""

    def __init__(self, store: ProviderKeyStore) -> None:
        self.store = store
        self.lists = 0
        self.opens = 0

    def keys(self, account_id: str, gateway_id: str) -> Any:
        self.lists += 1
        return self.store.keys(account_id, gateway_id)

    def open(self, account_id: str, key: Any) -> str:
        self.opens += 1
        return self.store.open(account_id, key)


class ByokHarness(ProxyHarness):
    """The proxy harness with stored keys and custom providers wired (cache period 60 s)."""

    def __init__(self, settings: Settings, accounts: AccountStore, key_file: Path) -> None:
        super().__init__(settings, accounts)
        table = aws.table(settings.control_table)
        self.keys = ProviderKeyStore(table, lambda: FileKeyWrapper(key_file))
        self.source = Counting(self.keys)
        self.custom = CustomProviderStore(table, aws.client("dynamodb"))
        self.service = ProxyService(
            self.service._accounts,
            self.service._sink,
            UpstreamClient(transport=httpx.MockTransport(self._dispatch)),
            upstream_timeout_s=5,
            auth=self.service._auth,
            keys=StoredKeys(self.source, ttl_s=60),
            custom=CustomProviders(self.custom, ttl_s=0),
        )

    def store(self, tenant: Tenant, secret: str, provider: str = "openai", **fields: Any) -> str:
        body = {"alias": "a", "default_config": True, "provider_slug": provider, "secret": secret}
        new, secret = parse_new_key(body | fields, lambda slug: True)
        return self.keys.add(tenant.account_id, tenant.gateway_id, new, secret).id

    def sent_key(self) -> str | None:
        headers = self.sent[-1].headers
        return headers.get("x-api-key") or headers.get("authorization")


@pytest.fixture
def byok(
    settings: Settings, accounts: AccountStore, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> ByokHarness:
    return ByokHarness(settings, accounts, use_local_key_file(monkeypatch, tmp_path))


def _auth(tenant: Tenant, spelling: str = "cf-aig-authorization") -> dict[str, str]:
    return {spelling: f"Bearer {tenant.token}"}


def _no_client_key(byok: ByokHarness, tenant: Tenant, **kwargs: Any) -> Any:
    request = byok.request(tenant, **kwargs)
    request.headers = {k: v for k, v in request.headers.items() if k != "authorization"}
    return byok.service.handle(request)


def test_a_request_without_a_key_uses_the_stored_one_when_authorised(
    byok: ByokHarness,
    tenant: Tenant,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    byok.store(tenant, STORED)
    response = _no_client_key(byok, tenant, headers=_auth(tenant, "aig-authorization"))
    assert response.status == 200
    assert byok.sent_key() == f"Bearer {STORED}"
    assert not any("aig-authorization" in name for name in byok.sent[-1].headers)
    record = byok.log(tenant, response)
    stored = json.dumps(byok.stored_items(), default=str) + repr(record) + caplog.text
    stored += json.dumps(response.headers) + response.body.decode() + str(capsys.readouterr())
    assert STORED not in stored and tenant.token not in stored


def test_without_aig_authorization_nothing_is_added(byok: ByokHarness, tenant: Tenant) -> None:
    byok.store(tenant, STORED)
    assert _no_client_key(byok, tenant).status == 200
    assert byok.sent_key() is None
    assert byok.source.lists == 0  # not even looked up


def test_a_clients_own_key_goes_through_unless_byok_only(byok: ByokHarness, tenant: Tenant) -> None:
    byok.store(tenant, STORED)
    byok.call(tenant, headers=_auth(tenant))
    assert byok.sent_key() == f"Bearer {CLIENT_KEY}"
    byok.configure(tenant, byok_only=True)
    byok.call(tenant, headers=_auth(tenant))
    assert byok.sent_key() == f"Bearer {STORED}"
    with pytest.raises(Unauthorized, match="stored provider keys only") as refused:
        byok.call(tenant)  # byok_only without aig-authorization
    assert CLIENT_KEY not in refused.value.message


def test_byok_only_without_a_stored_key_is_400(byok: ByokHarness, tenant: Tenant) -> None:
    byok.configure(tenant, byok_only=True)
    with pytest.raises(BadRequest, match="no provider key is stored for openai"):
        byok.call(tenant, headers=_auth(tenant))
    assert byok.sent == []


def test_another_accounts_token_cannot_use_the_key(
    byok: ByokHarness, tenant: Tenant, other_tenant: Tenant
) -> None:
    byok.store(tenant, STORED)
    with pytest.raises(Unauthorized) as refused:
        _no_client_key(byok, tenant, headers=_auth(other_tenant))
    assert byok.sent == [] and other_tenant.token not in refused.value.message
    theirs = _no_client_key(byok, other_tenant, headers=_auth(other_tenant))
    assert theirs.status == 200 and byok.sent_key() is None  # their gateway stores none


def test_rotation_and_deletion(byok: ByokHarness, tenant: Tenant) -> None:
    first = byok.store(tenant, STORED)
    byok.source = Counting(byok.keys)
    service = byok.service
    service._keys = StoredKeys(byok.source, ttl_s=0)  # every request sees the newest list
    _no_client_key(byok, tenant, headers=_auth(tenant))
    assert byok.sent_key() == f"Bearer {STORED}"
    second = byok.store(tenant, ROTATED)
    _no_client_key(byok, tenant, headers=_auth(tenant))
    assert byok.sent_key() == f"Bearer {ROTATED}"
    byok.store(tenant, "sk-not-default-key-00000003", default_config=False, alias="spare")
    _no_client_key(byok, tenant, headers=_auth(tenant))
    assert byok.sent_key() == f"Bearer {ROTATED}"  # the newest default wins
    _no_client_key(byok, tenant, headers={**_auth(tenant), "cf-aig-byok-alias": "spare"})
    assert byok.sent_key() == "Bearer sk-not-default-key-00000003"
    with pytest.raises(BadRequest, match="aig-byok-alias"):
        _no_client_key(byok, tenant, headers={**_auth(tenant), "aig-byok-alias": "nope"})
    byok.keys.delete(tenant.account_id, tenant.gateway_id, second)
    _no_client_key(byok, tenant, headers=_auth(tenant))
    assert byok.sent_key() == f"Bearer {STORED}"
    byok.keys.delete(tenant.account_id, tenant.gateway_id, first)
    _no_client_key(byok, tenant, headers=_auth(tenant))
    assert byok.sent_key() == "Bearer sk-not-default-key-00000003"


def test_the_account_token_sent_as_a_key_is_no_key_and_never_relayed(
    byok: ByokHarness, tenant: Tenant
) -> None:
    as_key = {"authorization": f"Bearer {tenant.token}", **_auth(tenant)}
    byok.call(tenant, headers=as_key)  # no stored key yet: sent without any
    assert byok.sent_key() is None
    byok.store(tenant, STORED)
    byok.service._keys = StoredKeys(byok.source, ttl_s=0)
    byok.call(tenant, headers=as_key)
    assert byok.sent_key() == f"Bearer {STORED}"
    assert all(tenant.token not in str(request.headers) for request in byok.sent)


def test_a_cold_lookup_costs_one_query_and_one_unwrap_a_warm_one_nothing(
    byok: ByokHarness, tenant: Tenant
) -> None:
    byok.store(tenant, STORED)
    _no_client_key(byok, tenant, headers=_auth(tenant))
    assert (byok.source.lists, byok.source.opens) == (1, 1)
    for _ in range(3):
        _no_client_key(byok, tenant, headers=_auth(tenant))
    assert (byok.source.lists, byok.source.opens) == (1, 1)


def test_each_provider_gets_the_key_where_it_takes_it(byok: ByokHarness, tenant: Tenant) -> None:
    byok.store(tenant, ANTHROPIC, provider="anthropic")
    byok.store(tenant, "goog-stored-key-000000000000", provider="google-ai-studio")
    byok.handler = lambda request: httpx.Response(200, json={"type": "message"})
    _no_client_key(byok, tenant, provider="anthropic", path="v1/messages", headers=_auth(tenant))
    assert byok.sent[-1].headers["x-api-key"] == ANTHROPIC
    assert "authorization" not in byok.sent[-1].headers
    _no_client_key(
        byok,
        tenant,
        provider="google-ai-studio",
        path="v1beta/models/gemini-2.0-flash:generateContent",
        headers=_auth(tenant),
    )
    assert byok.sent[-1].headers["x-goog-api-key"] == "goog-stored-key-000000000000"


def test_custom_providers_are_proxied_and_use_stored_keys(
    byok: ByokHarness, tenant: Tenant, other_tenant: Tenant
) -> None:
    new = parse_custom_provider(
        {"name": "Local", "slug": "local-llm", "base_url": "http://127.0.0.1:9/v1"},
        allow_loopback=True,
    )
    byok.custom.create(tenant.account_id, new)
    byok.store(tenant, STORED, provider="custom-local-llm")
    byok.handler = lambda request: httpx.Response(200, json=CHAT_RESPONSE)
    response = _no_client_key(
        byok,
        tenant,
        provider="custom-local-llm",
        headers={
            **_auth(tenant),
            "aig-custom-cost": '{"per_token_in": 0.001, "per_token_out": 0.002}',
        },
    )
    assert response.status == 200
    assert str(byok.sent[-1].url) == "http://127.0.0.1:9/v1/chat/completions"
    assert byok.sent_key() == f"Bearer {STORED}"
    record = byok.log(tenant, response)
    assert (record.provider, record.tokens_in, record.tokens_out) == ("custom-local-llm", 1000, 500)
    assert record.cost == pytest.approx(2.0)
    with pytest.raises(BadRequest, match="unknown provider"):
        byok.call(other_tenant, provider="custom-local-llm")
