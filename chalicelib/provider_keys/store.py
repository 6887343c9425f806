"""Provider keys in the control table, sealed (envelope.py): one item per key in its
account's partition, `PROVIDER_KEY#{gateway}#{id}`, so a gateway's keys are one Query.

An item holds the key's description, its sealed secret and wrapped data key; the secret
is bound to (account, gateway, key id), so an item copied elsewhere does not open.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from boto3.dynamodb.conditions import Key
from ulid import ULID

from chalicelib import dynamo
from chalicelib.accounts.item_keys import account_pk
from chalicelib.accounts.models import utc_now_iso
from chalicelib.errors import BadRequest, NotFound
from chalicelib.provider_keys.envelope import Sealed, open_sealed, seal
from chalicelib.provider_keys.fields import NewKey
from chalicelib.provider_keys.wrapper import Context, KeyWrapper

if TYPE_CHECKING:  # the boto3 type stubs are a development dependency only
    from mypy_boto3_dynamodb.service_resource import Table

MAX_KEYS_PER_GATEWAY = 100


@dataclass(frozen=True)
class StoredKey:
    """One stored provider key: what the API shows of it, and its sealed secret."""

    id: str
    gateway_id: str
    provider_slug: str
    alias: str
    default_config: bool
    created_ns: int
    modified_at: str
    secret_preview: str
    rate_limit: float | None
    rate_limit_period: float | None
    sealed: Sealed

    def to_api(self) -> dict[str, Any]:
        """Cloudflare's provider-config fields; `secret_id` is the key's own id (there is no
        Secrets Store). Never the secret."""
        return {
            "id": self.id,
            "alias": self.alias,
            "default_config": self.default_config,
            "gateway_id": self.gateway_id,
            "modified_at": self.modified_at,
            "provider_slug": self.provider_slug,
            "secret_id": self.id,
            "secret_preview": self.secret_preview,
            "rate_limit": self.rate_limit,
            "rate_limit_period": self.rate_limit_period,
        }

    def __repr__(self) -> str:  # the sealed material has no business in a log line
        return f"StoredKey(id={self.id!r}, provider_slug={self.provider_slug!r})"


def context(account_id: str, gateway_id: str, key_id: str) -> Context:
    """What a key's secret is bound to."""
    return {"account_id": account_id, "gateway_id": gateway_id, "key_id": key_id}


def _prefix(gateway_id: str) -> str:
    return f"PROVIDER_KEY#{gateway_id}#"


class ProviderKeyStore:
    """Stores, lists, opens and deletes the provider keys of gateways."""

    def __init__(self, table: Table, wrapper: Callable[[], KeyWrapper]) -> None:
        """`wrapper()` is the deployment's key wrapper (made when first needed, so a store
        that only lists or deletes never needs the backend)."""
        self._table = table
        self._wrapper = wrapper

    def add(self, account_id: str, gateway_id: str, new: NewKey, secret: str) -> StoredKey:
        """Seal and store a key; BadRequest beyond MAX_KEYS_PER_GATEWAY."""
        if sum(1 for _ in self._items(account_id, gateway_id)) >= MAX_KEYS_PER_GATEWAY:
            raise BadRequest(
                f"a gateway stores at most {MAX_KEYS_PER_GATEWAY} provider keys: delete some"
            )
        key_id = str(ULID()).lower()
        sealed = seal(secret, self._wrapper(), context(account_id, gateway_id, key_id))
        key = StoredKey(
            id=key_id,
            gateway_id=gateway_id,
            provider_slug=new.provider_slug,
            alias=new.alias,
            default_config=new.default_config,
            created_ns=time.time_ns(),
            modified_at=utc_now_iso(),
            secret_preview=new.secret_preview,
            rate_limit=new.rate_limit,
            rate_limit_period=new.rate_limit_period,
            sealed=sealed,
        )
        item = {
            "pk": account_pk(account_id),
            "sk": _prefix(gateway_id) + key_id,
            **{
                name: dynamo.storable(value)
                for name, value in key.to_api().items()
                if value is not None and name != "secret_id"
            },
            "created_ns": key.created_ns,
            "ciphertext": sealed.ciphertext,
            "wrapped_key": sealed.wrapped_key,
            "wrapper": sealed.wrapper,
        }
        self._table.put_item(Item=item, ConditionExpression="attribute_not_exists(pk)")
        return key

    def keys(self, account_id: str, gateway_id: str) -> list[StoredKey]:
        """The gateway's keys, newest first (one Query for up to MAX_KEYS_PER_GATEWAY)."""
        keys = [_key(item) for item in self._items(account_id, gateway_id)]
        return sorted(keys, key=lambda key: (key.created_ns, key.id), reverse=True)

    def open(self, account_id: str, key: StoredKey) -> str:
        """A key's secret (one unwrap by the key wrapper); raises KeyUnavailable."""
        return open_sealed(key.sealed, self._wrapper(), context(account_id, key.gateway_id, key.id))

    def delete(self, account_id: str, gateway_id: str, key_id: str) -> StoredKey:
        """Delete one key; NotFound when the gateway has no such key."""
        try:
            old = self._table.delete_item(
                Key={"pk": account_pk(account_id), "sk": _prefix(gateway_id) + key_id},
                ConditionExpression="attribute_exists(pk)",
                ReturnValues="ALL_OLD",
            )["Attributes"]
        except self._table.meta.client.exceptions.ConditionalCheckFailedException:
            raise NotFound(f"provider config {key_id[:64]} not found") from None
        return _key(cast("dict[str, Any]", old))

    def delete_all(self, account_id: str, gateway_id: str) -> int:
        """Delete every key of a gateway (it is being deleted); how many there were."""
        deleted = 0
        for item in self._items(account_id, gateway_id):
            self._table.delete_item(Key={"pk": item["pk"], "sk": item["sk"]})
            deleted += 1
        return deleted

    def _items(self, account_id: str, gateway_id: str) -> Iterator[dict[str, Any]]:
        condition = Key("pk").eq(account_pk(account_id)) & Key("sk").begins_with(
            _prefix(gateway_id)
        )
        query = cast("Callable[..., dict[str, Any]]", self._table.query)
        return dynamo.items(query, **dynamo.key_condition(condition), ConsistentRead=True)


def _key(item: Mapping[str, Any]) -> StoredKey:
    return StoredKey(
        id=str(item["id"]),
        gateway_id=str(item["gateway_id"]),
        provider_slug=str(item["provider_slug"]),
        alias=str(item["alias"]),
        default_config=bool(item["default_config"]),
        created_ns=int(item["created_ns"]),
        modified_at=str(item["modified_at"]),
        secret_preview=str(item["secret_preview"]),
        rate_limit=_number(item.get("rate_limit")),
        rate_limit_period=_number(item.get("rate_limit_period")),
        sealed=Sealed(bytes(item["ciphertext"]), bytes(item["wrapped_key"]), str(item["wrapper"])),
    )


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)
