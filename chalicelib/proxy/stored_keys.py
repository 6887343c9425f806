"""Stored provider keys on the proxy path (Cloudflare's BYOK).

A request that brings no provider key, or any request to a gateway with `byok_only`,
is sent with the gateway's stored key for its provider, but only when it is authorised by
`aig-authorization: Bearer <API token of the account>` (as authenticated gateways check
it). The key used is the newest one of the provider marked `default_config`, else its
newest (adding a key rotates), or the newest with the alias `aig-byok-alias` names.

AWS calls: a gateway's key list is one Query, remembered for `ttl_s` (the gateway cache's
period) and served stale-if-error like gateway settings; an opened secret is remembered for
`secret_ttl_s` by key id, so a cold lookup costs one Query and one unwrap (a KMS Decrypt
deployed) and a warm one none. Secrets live in memory only, never in a log line or error.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Protocol

from chalicelib.accounts import Gateway, bearer_token
from chalicelib.cache import CREDENTIAL_HEADERS
from chalicelib.errors import BadRequest, ServiceUnavailable, Unauthorized
from chalicelib.provider_keys import KeyUnavailable, StoredKey
from chalicelib.proxy.exchange import UpstreamCall
from chalicelib.proxy.options import aig_header
from chalicelib.proxy.stale import SourceUnavailable, StaleIfError

DEFAULT_SECRET_TTL_S = 300.0
MAX_SECRETS = 1024
"""Opened secrets remembered at most (the oldest are forgotten first)."""
CREDENTIAL_QUERY = "key"
"""Google's `?key=`: a provider key in the query."""

UNAVAILABLE = "stored provider keys are unavailable: the key store cannot be reached; try again"
UNOPENED = "the stored provider key cannot be opened right now; try again"


class KeySource(Protocol):
    """Where stored keys come from (chalicelib.provider_keys.ProviderKeyStore)."""

    def keys(self, account_id: str, gateway_id: str) -> list[StoredKey]: ...

    def open(self, account_id: str, key: StoredKey) -> str: ...


Authorise = Callable[[Mapping[str, str], str], None]
"""Raises unless the request's `aig-authorization` holds a token of the account
(GatewayAuth.check)."""


class StoredKeys:
    """Puts a gateway's stored provider key into upstream calls that may use it."""

    def __init__(
        self,
        source: KeySource,
        ttl_s: float,
        secret_ttl_s: float = DEFAULT_SECRET_TTL_S,
        stale_s: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._source = source
        self._lists: StaleIfError[tuple[str, str], list[StoredKey]] = StaleIfError(
            ttl_s, stale_s, clock
        )
        self._secret_ttl_s = secret_ttl_s
        self._clock = clock
        self._secrets: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()

    def apply(
        self,
        gateway: Gateway,
        headers: Mapping[str, str],
        call: UpstreamCall,
        authorise: Authorise | None,
    ) -> UpstreamCall:
        """`call` with the stored key in place of the client's, when the request may and
        should use it; else `call` unchanged. `headers` are the client's (lower-case).

        A client whose SDK insists on a key may send its account token as one: a credential
        equal to the `aig-authorization` token is no provider key, and never goes upstream.
        """
        token = bearer_token(aig_header(headers, "authorization"))
        if token is not None:
            call = without_credential(call, token)
        if has_provider_key(call) and not gateway.byok_only:
            return call
        if aig_header(headers, "authorization") is None or authorise is None:
            if gateway.byok_only:
                raise Unauthorized(
                    "this gateway uses stored provider keys only: send aig-authorization:"
                    " Bearer <API token>"
                )
            return call
        authorise(headers, gateway.account_id)
        key = self._choose(gateway, call.provider.slug, aig_header(headers, "byok-alias"))
        if key is None:
            if gateway.byok_only:
                raise BadRequest(f"no provider key is stored for {call.provider.slug}")
            return call
        return with_key(call, self._secret(gateway.account_id, key))

    def _choose(self, gateway: Gateway, provider: str, alias: str | None) -> StoredKey | None:
        account_id, gateway_id = gateway.account_id, gateway.id
        try:
            keys = self._lists.get(
                (account_id, gateway_id), lambda: self._source.keys(account_id, gateway_id)
            )
        except SourceUnavailable as exc:
            raise ServiceUnavailable(UNAVAILABLE) from exc
        return choose(keys, provider, alias)

    def _secret(self, account_id: str, key: StoredKey) -> str:
        now = self._clock()
        with self._lock:
            remembered = self._secrets.get(key.id)
        if remembered is not None and now < remembered[1]:
            return remembered[0]
        try:
            secret = self._source.open(account_id, key)
        except KeyUnavailable as exc:
            raise ServiceUnavailable(UNOPENED) from exc
        with self._lock:
            self._secrets = {
                key_id: entry for key_id, entry in self._secrets.items() if now < entry[1]
            }
            while len(self._secrets) >= MAX_SECRETS:
                del self._secrets[next(iter(self._secrets))]
            self._secrets[key.id] = (secret, now + self._secret_ttl_s)
        return secret


def choose(keys: list[StoredKey], provider: str, alias: str | None) -> StoredKey | None:
    """The key to use among `keys` (newest first) for `provider`: the newest with `alias`
    when one is named (BadRequest if none), else the newest default, else the newest."""
    candidates = [key for key in keys if key.provider_slug == provider]
    if alias is not None:
        named = [key for key in candidates if key.alias == alias]
        if not named:
            raise BadRequest(f"no provider key with that aig-byok-alias is stored for {provider}")
        return named[0]
    defaults = [key for key in candidates if key.default_config]
    chosen = defaults or candidates
    return chosen[0] if chosen else None


def has_provider_key(call: UpstreamCall) -> bool:
    """True when the call carries a provider credential (a key header, or `?key=`); an
    empty one (`Authorization: Bearer `, as an SDK given an empty key sends) is none."""
    headers = {
        name.lower()
        for name, value in call.headers.items()
        if value.strip() and value.strip().lower() != "bearer"
    }
    return bool(headers & set(CREDENTIAL_HEADERS)) or any(
        name == CREDENTIAL_QUERY and value for name, value in call.query
    )


def without_credential(call: UpstreamCall, token: str) -> UpstreamCall:
    """`call` without the credential headers that hold `token` (bare or as a Bearer)."""
    held = (token, f"Bearer {token}")
    credentials = set(CREDENTIAL_HEADERS)
    headers = {
        name: value
        for name, value in call.headers.items()
        if not (name.lower() in credentials and value.strip() in held)
    }
    return call if len(headers) == len(call.headers) else replace(call, headers=headers)


def with_key(call: UpstreamCall, secret: str) -> UpstreamCall:
    """`call` with `secret` as its only credential, where its provider takes it:
    `Authorization: Bearer` (OpenAI-compatible), else its wire's key header."""
    headers = {
        name: value
        for name, value in call.headers.items()
        if name.lower() not in CREDENTIAL_HEADERS
    }
    key_header = call.provider.wire.key_header
    if key_header is None:
        headers["authorization"] = f"Bearer {secret}"
    else:
        headers[key_header] = secret
    query = [(name, value) for name, value in call.query if name != CREDENTIAL_QUERY]
    return replace(call, headers=headers, query=query)
