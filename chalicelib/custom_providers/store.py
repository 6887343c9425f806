"""Custom providers in the control table, per account (as Cloudflare keeps them): the
record `CUSTOM_PROVIDER#{id}` and its slug's claim `CUSTOM_SLUG#{slug}` (which the proxy
reads: one GetItem), written and deleted together in one transaction."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, cast

from boto3.dynamodb.conditions import Key
from ulid import ULID

from chalicelib import dynamo
from chalicelib.accounts.item_keys import account_pk
from chalicelib.accounts.models import utc_now_iso
from chalicelib.custom_providers.fields import PREFIX, NewCustomProvider
from chalicelib.errors import BadRequest, NotFound
from chalicelib.providers import OPENAI_WIRE, Provider

if TYPE_CHECKING:  # the boto3 type stubs are a development dependency only
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.service_resource import Table
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

MAX_PER_ACCOUNT = 100
_RECORD = "CUSTOM_PROVIDER#"
_SLUG = "CUSTOM_SLUG#"


@dataclass(frozen=True)
class CustomProvider:
    """A custom provider of an account (Cloudflare's fields; `logo` is never set)."""

    id: str
    slug: str
    base_url: str
    name: str
    created_at: str
    modified_at: str
    description: str | None = None
    curl_example: str | None = None
    js_example: str | None = None
    link: str | None = None
    beta: bool | None = None
    enable: bool = True
    position: int | None = None

    def to_api(self) -> dict[str, Any]:
        """The API's form: every field of the SDK's model."""
        return {**asdict(self), "headers": None, "logo": None}

    def provider(self) -> Provider:
        """What the proxy calls: `custom-{slug}`, OpenAI-compatible, priced by the client's
        `aig-custom-cost` only (no price table knows it)."""
        return Provider(PREFIX + self.slug, self.base_url, OPENAI_WIRE, None)


class CustomProviderStore:
    """Creates, reads, lists and deletes an account's custom providers."""

    def __init__(self, table: Table, client: DynamoDBClient) -> None:
        self._table = table
        self._client = client

    def create(self, account_id: str, new: NewCustomProvider) -> CustomProvider:
        """Store a new provider; BadRequest when its slug is taken or the account is full."""
        if len(self.list(account_id)) >= MAX_PER_ACCOUNT:
            raise BadRequest(f"an account has at most {MAX_PER_ACCOUNT} custom providers")
        now = utc_now_iso()
        provider = CustomProvider(
            id=str(ULID()).lower(), created_at=now, modified_at=now, **asdict(new)
        )
        pk = account_pk(account_id)
        fields = {k: dynamo.storable(v) for k, v in asdict(provider).items() if v is not None}
        record = {"pk": pk, "sk": _RECORD + provider.id, **fields}
        claim = {"pk": pk, "sk": _SLUG + provider.slug, **fields}
        actions = [
            dynamo.put(self._table.name, record, "attribute_not_exists(pk)"),
            dynamo.put(self._table.name, claim, "attribute_not_exists(pk)"),
        ]
        try:
            self._client.transact_write_items(TransactItems=_typed(actions))
        except self._client.exceptions.TransactionCanceledException:
            raise BadRequest(f"a custom provider with slug {provider.slug} exists") from None
        return provider

    def get(self, account_id: str, provider_id: str) -> CustomProvider:
        """One provider by id; NotFound."""
        key = {"pk": account_pk(account_id), "sk": _RECORD + provider_id}
        item = self._table.get_item(Key=key, ConsistentRead=True).get("Item")
        if item is None:
            raise NotFound(f"custom provider {provider_id[:64]} not found")
        return _provider(item)

    def list(self, account_id: str) -> list[CustomProvider]:
        """Every provider of the account, oldest first."""
        condition = Key("pk").eq(account_pk(account_id)) & Key("sk").begins_with(_RECORD)
        query = cast("Callable[..., dict[str, Any]]", self._table.query)
        items = dynamo.items(query, **dynamo.key_condition(condition), ConsistentRead=True)
        return [_provider(item) for item in items]

    def delete(self, account_id: str, provider_id: str) -> CustomProvider:
        """Delete one provider and free its slug; NotFound."""
        provider = self.get(account_id, provider_id)
        pk = account_pk(account_id)
        actions = [
            dynamo.delete(
                self._table.name, {"pk": pk, "sk": _RECORD + provider.id}, "attribute_exists(pk)"
            ),
            dynamo.delete(self._table.name, {"pk": pk, "sk": _SLUG + provider.slug}),
        ]
        try:
            self._client.transact_write_items(TransactItems=_typed(actions))
        except self._client.exceptions.TransactionCanceledException:
            raise NotFound(f"custom provider {provider_id[:64]} not found") from None
        return provider

    def by_slug(self, account_id: str, slug: str) -> CustomProvider | None:
        """The provider with `slug` (one GetItem), None when there is none."""
        key = {"pk": account_pk(account_id), "sk": _SLUG + slug}
        item = self._table.get_item(Key=key).get("Item")
        return _provider(item) if item else None


def _provider(item: Mapping[str, Any]) -> CustomProvider:
    values = {name: item[name] for name in CustomProvider.__dataclass_fields__ if name in item}
    if values.get("position") is not None:
        values["position"] = int(values["position"])  # a Decimal as read
    return CustomProvider(**values)


def _typed(actions: list[dict[str, Any]]) -> list[TransactWriteItemTypeDef]:
    return cast("list[TransactWriteItemTypeDef]", actions)
