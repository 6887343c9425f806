"""Accounts, gateways and API tokens in the control table.

Items of one account share its partition: the account (`#ACCOUNT`), its gateways
(`GATEWAY#id`) and its token listings (`TOKEN#token id`); a token's lookup item lives
under the token's hash so that authenticating a request is one GetItem.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from boto3.dynamodb.conditions import ConditionBase, Key

from chalicelib import dynamo
from chalicelib.accounts.ids import check_id
from chalicelib.accounts.item_keys import (
    LOGPUSH_INDEX,
    LOGPUSH_KEY,
    LOGPUSH_ON,
    account_key,
    account_pk,
    gateway_address,
    gateway_key,
)
from chalicelib.accounts.models import Account, Gateway, limit_value, utc_now_iso
from chalicelib.accounts.plans import PLANS, Plan
from chalicelib.accounts.tokens import TOKEN_SK, hash_token, new_token, token_pk
from chalicelib.errors import ApiError, BadRequest, NotFound

if TYPE_CHECKING:  # the boto3 type stubs are a development dependency only
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.service_resource import Table
    from mypy_boto3_dynamodb.type_defs import TableAttributeValueTypeDef, TransactWriteItemTypeDef

_MAX_RETRIES = 20
"""Optimistic updates retried at most this often before giving up."""


@dataclass(frozen=True)
class IssuedToken:
    """A freshly issued token: the secret (shown once) and its id (for revoking)."""

    token: str
    token_id: str


@dataclass(frozen=True)
class TokenInfo:
    """What is kept of an API token: never the token itself."""

    token_id: str
    account_id: str
    name: str
    created_at: str


class AccountStore:
    """The control table, seen as accounts, gateways and tokens."""

    def __init__(self, table: Table, client: DynamoDBClient) -> None:
        """`table`: the boto3 Table resource; `client`: a low-level DynamoDB client (for
        transactions in wire format; the resource's own client re-serializes values)."""
        self._table = table
        self._client = client

    # accounts

    def get_account(self, account_id: str) -> Account | None:
        """Return the account, or None when it does not exist."""
        item = self._table.get_item(Key=account_key(account_id), ConsistentRead=True).get("Item")
        return Account.from_item(item) if item else None

    def create_account(self, account_id: str, plan: str) -> Account:
        """Create an account on `plan`; BadRequest if it exists, the plan is unknown or
        the id is not one the API accepts."""
        check_id(account_id, "account id")
        entitlements = _plan(plan)
        account = Account(id=account_id, plan=plan)
        limit = limit_value(entitlements.account_log_limit)
        item: dict[str, TableAttributeValueTypeDef] = {
            **account_key(account_id),
            "id": account_id,
            "plan": plan,
            "created_at": account.created_at,
            "stored_logs": 0,
            "gateway_count": 0,
            "log_limit": limit,
            "log_room": limit,
        }
        try:
            self._table.put_item(Item=item, ConditionExpression="attribute_not_exists(pk)")
        except self._client.exceptions.ConditionalCheckFailedException as exc:
            raise BadRequest(f"account {account_id} already exists") from exc
        return account

    def set_plan(self, account_id: str, plan: str) -> Account:
        """Move an account to another plan; its log cap follows the plan."""
        entitlements = _plan(plan)
        new_limit = limit_value(entitlements.account_log_limit)
        for _ in range(_MAX_RETRIES):
            item = self._account_item(account_id)
            if int(item["gateway_count"]) > entitlements.max_gateways:
                raise BadRequest(
                    f"account {account_id} has {item['gateway_count']} gateways; the {plan}"
                    f" plan allows {entitlements.max_gateways}: delete some first"
                )
            old_limit = int(item["log_limit"])
            try:
                self._table.update_item(
                    Key=account_key(account_id),
                    UpdateExpression="SET #plan = :plan, log_limit = :new ADD log_room :delta",
                    ConditionExpression="log_limit = :old",
                    ExpressionAttributeNames={"#plan": "plan"},
                    ExpressionAttributeValues={
                        ":plan": plan,
                        ":new": new_limit,
                        ":old": old_limit,
                        ":delta": new_limit - old_limit,
                    },
                )
            except self._client.exceptions.ConditionalCheckFailedException:
                continue  # changed meanwhile: read again
            return Account.from_item(self._account_item(account_id))
        raise RuntimeError(f"plan of {account_id} kept changing under us")

    # gateways

    def get_gateway(self, account_id: str, gateway_id: str) -> Gateway | None:
        """Return one gateway (also while it is being deleted), or None."""
        item = self._table.get_item(
            Key=gateway_key(account_id, gateway_id), ConsistentRead=True
        ).get("Item")
        return Gateway.from_item(item) if item else None

    def list_gateways(self, account_id: str) -> list[Gateway]:
        """Return every gateway of an account, ordered by id."""
        condition = Key("pk").eq(account_pk(account_id)) & Key("sk").begins_with("GATEWAY#")
        return [Gateway.from_item(item) for item in self._query_all(condition)]

    def logpush_gateways(self) -> Iterator[Gateway]:
        """The gateways with `logpush: true` that are not being deleted, from the sparse
        logpush index (one Query, paginated, plus a consistent read of each gateway)."""
        condition = Key(LOGPUSH_KEY).eq(LOGPUSH_ON)
        query = cast("Callable[..., dict[str, Any]]", self._table.query)
        keys = dynamo.items(query, IndexName=LOGPUSH_INDEX, **dynamo.key_condition(condition))
        for key in keys:
            gateway = self.get_gateway(*gateway_address(key))
            if gateway is not None and gateway.logpush and not gateway.deleting:
                yield gateway

    def create_gateway(self, account_id: str, gateway_id: str, config: dict[str, Any]) -> Gateway:
        """Create a gateway within the plan's gateway count; BadRequest when over it."""
        account = self.get_account(account_id)
        if account is None:
            raise NotFound(f"account {account_id} not found")
        plan = account.entitlements
        # A gateway re-created under a deleted one's id must not see its cached answers.
        generation = time.time_ns() // 1000
        gateway = Gateway(
            id=gateway_id, account_id=account_id, cache_generation=generation, **config
        )
        if gateway.log_management is None and plan.gateway_log_default is not None:
            gateway.log_management = plan.gateway_log_default
        limit = limit_value(gateway.log_management)
        item = {
            **gateway_key(account_id, gateway_id),
            **{
                k: dynamo.storable(v)
                for k, v in gateway.__dict__.items()
                if v is not None and k != "deleting"
            },
            "log_limit": limit,
            "log_room": limit,
            "version": 0,
        }
        if gateway.logpush:
            item[LOGPUSH_KEY] = LOGPUSH_ON
        transaction = (
            dynamo.Transaction()
            .add("gateway", dynamo.put(self._table.name, item, "attribute_not_exists(pk)"))
            .add(
                "count",
                dynamo.update(
                    self._table.name,
                    account_key(account_id),
                    "ADD gateway_count :one",
                    {":one": 1, ":max": plan.max_gateways},
                    "gateway_count < :max",
                ),
            )
        )
        self._write(
            transaction,
            "gateway",
            BadRequest(f"gateway {gateway_id} already exists"),
            BadRequest(f"the {plan.name} plan allows at most {plan.max_gateways} gateways"),
        )
        return gateway

    def update_gateway(
        self, account_id: str, gateway_id: str, changes: dict[str, Any]
    ) -> tuple[Gateway, Gateway]:
        """Apply config changes; return the gateway before and after.

        With cache_invalidate_on_update (as it is after the change), the same update bumps
        the gateway's cache_generation, which hides every answer cached before it.

        A new log_management moves the cap and the room together, conditional on the
        cap read, so concurrent admissions never see a stale cap. (A gateway's cap is its
        log_management alone: creation fills in the plan's default.)
        """
        for _ in range(_MAX_RETRIES):
            before = self.get_gateway(account_id, gateway_id)
            if before is None or before.deleting:
                raise NotFound(f"gateway {gateway_id} not found")
            values: dict[str, Any] = {":modified": utc_now_iso()}
            names: dict[str, str] = {}
            sets, removes = ["modified_at = :modified"], []
            for index, (name, value) in enumerate(sorted(changes.items())):
                names[f"#f{index}"] = name
                if value is None:
                    removes.append(f"#f{index}")
                else:
                    values[f":v{index}"] = dynamo.storable(value)
                    sets.append(f"#f{index} = :v{index}")
            if "logpush" in changes:  # in the logpush index exactly while it is on
                names["#logpush_key"] = LOGPUSH_KEY
                if changes["logpush"]:
                    values[":logpush_on"] = LOGPUSH_ON
                    sets.append("#logpush_key = :logpush_on")
                else:
                    removes.append("#logpush_key")
            adds: list[str] = []
            condition = "attribute_exists(sk) AND attribute_not_exists(deleting)"
            if "log_management" in changes:
                old = limit_value(before.log_management)
                new = limit_value(changes["log_management"])
                values.update({":new_limit": new, ":old_limit": old, ":delta": new - old})
                sets.append("log_limit = :new_limit")
                adds.append("log_room :delta")
                condition += " AND log_limit = :old_limit"
            if changes.get("cache_invalidate_on_update", before.cache_invalidate_on_update):
                values[":one"] = 1
                adds.append("cache_generation :one")
            expression = "SET " + ", ".join(sets)
            if adds:
                expression += " ADD " + ", ".join(adds)
            if removes:
                expression += " REMOVE " + ", ".join(removes)
            kwargs: dict[str, Any] = {
                "Key": gateway_key(account_id, gateway_id),
                "UpdateExpression": expression,
                "ConditionExpression": condition,
                "ExpressionAttributeValues": values,
                "ReturnValues": "ALL_NEW",
            }
            if names:
                kwargs["ExpressionAttributeNames"] = names
            try:
                after = self._table.update_item(**kwargs)["Attributes"]
            except self._client.exceptions.ConditionalCheckFailedException:
                continue  # the cap changed meanwhile (or the gateway went): read again
            return before, Gateway.from_item(after)
        raise RuntimeError(f"gateway {gateway_id} kept changing under us")

    def mark_deleting(self, account_id: str, gateway_id: str) -> Gateway:
        """Close a gateway to new logs before its logs are purged."""
        try:
            item = self._table.update_item(
                Key=gateway_key(account_id, gateway_id),
                UpdateExpression="SET deleting = :yes",
                ConditionExpression="attribute_exists(sk)",
                ExpressionAttributeValues={":yes": True},
                ReturnValues="ALL_NEW",
            )["Attributes"]
        except self._client.exceptions.ConditionalCheckFailedException as exc:
            raise NotFound(f"gateway {gateway_id} not found") from exc
        return Gateway.from_item(item)

    def remove_gateway(self, account_id: str, gateway_id: str) -> None:
        """Delete a purged gateway (no logs left) and free its place in the plan."""
        self._client.transact_write_items(
            TransactItems=_actions(
                [
                    dynamo.delete(
                        self._table.name,
                        gateway_key(account_id, gateway_id),
                        "attribute_exists(deleting) AND stored_logs = :zero",
                        {":zero": 0},
                    ),
                    dynamo.update(
                        self._table.name,
                        account_key(account_id),
                        "ADD gateway_count :minus_one",
                        {":minus_one": -1},
                    ),
                ]
            )
        )

    # tokens

    def issue_token(self, account_id: str, name: str, token: str | None = None) -> IssuedToken:
        """Create an API token for an existing account; the result is the only time the
        token is seen. A given `token` that already exists is refused."""
        token = token or new_token()
        token_hash = hash_token(token)
        token_id = secrets.token_hex(6)
        created_at = utc_now_iso()
        listing = {
            "pk": account_pk(account_id),
            "sk": f"TOKEN#{token_id}",
            "token_id": token_id,
            "token_hash": token_hash,
            "name": name,
            "created_at": created_at,
        }
        lookup = {
            "pk": token_pk(token_hash),
            "sk": TOKEN_SK,
            "account_id": account_id,
            "token_id": token_id,
            "name": name,
            "created_at": created_at,
        }
        account = dynamo.condition_check(
            self._table.name, account_key(account_id), "attribute_exists(pk)"
        )
        transaction = (
            dynamo.Transaction()
            .add("account", account)
            .add("token", dynamo.put(self._table.name, lookup, "attribute_not_exists(pk)"))
            .add("token", dynamo.put(self._table.name, listing, "attribute_not_exists(pk)"))
        )
        self._write(
            transaction,
            "account",
            NotFound(f"account {account_id} not found"),
            BadRequest("that token is already in use"),
        )
        return IssuedToken(token=token, token_id=token_id)

    def list_tokens(self, account_id: str) -> list[TokenInfo]:
        """The account's tokens (ids and names, never the tokens)."""
        condition = Key("pk").eq(account_pk(account_id)) & Key("sk").begins_with("TOKEN#")
        items = self._query_all(condition)
        return [
            TokenInfo(item["token_id"], account_id, item["name"], item["created_at"])
            for item in items
        ]

    def revoke_token(self, account_id: str, token_id: str) -> None:
        """Revoke one token of the account; NotFound if it has no such token."""
        key = {"pk": account_pk(account_id), "sk": f"TOKEN#{token_id}"}
        listing = self._table.get_item(Key=key, ConsistentRead=True).get("Item")
        if listing is None:
            raise NotFound(f"token {token_id} not found")
        self._client.transact_write_items(
            TransactItems=_actions(
                [
                    dynamo.delete(
                        self._table.name,
                        {"pk": token_pk(_text(listing, "token_hash")), "sk": TOKEN_SK},
                    ),
                    dynamo.delete(self._table.name, key),
                ]
            )
        )

    def account_of_token(self, token: str) -> str | None:
        """Return the id of the account that owns `token`, or None."""
        item = self._table.get_item(Key={"pk": token_pk(hash_token(token)), "sk": TOKEN_SK}).get(
            "Item"
        )
        return _text(item, "account_id") if item else None

    def _write(
        self, transaction: dynamo.Transaction, label: str, if_label: ApiError, otherwise: ApiError
    ) -> None:
        """Write `transaction`; when it is cancelled, raise `if_label` if the condition of an
        action labelled `label` failed, else `otherwise`."""
        try:
            self._client.transact_write_items(TransactItems=_actions(transaction.actions))
        except self._client.exceptions.TransactionCanceledException as exc:
            failed = transaction.failure(exc)
            if failed is not None and failed.label == label:
                raise if_label from exc
            raise otherwise from exc

    def _query_all(self, condition: ConditionBase) -> list[dict[str, Any]]:
        # dynamo.items takes a Callable[..., dict[str, Any]]; the stubs' answer is a TypedDict
        query = cast("Callable[..., dict[str, Any]]", self._table.query)
        return list(dynamo.items(query, **dynamo.key_condition(condition), ConsistentRead=True))

    def _account_item(self, account_id: str) -> dict[str, Any]:
        item = self._table.get_item(Key=account_key(account_id), ConsistentRead=True).get("Item")
        if item is None:
            raise NotFound(f"account {account_id} not found")
        return item


def _actions(actions: list[dict[str, Any]]) -> list[TransactWriteItemTypeDef]:
    """Transaction actions as the stubs type them (`dynamo` builds them as plain dicts)."""
    return cast("list[TransactWriteItemTypeDef]", actions)


def _text(item: Mapping[str, TableAttributeValueTypeDef], name: str) -> str:
    """A string attribute of an item this store wrote."""
    value = item[name]
    if not isinstance(value, str):
        raise TypeError(f"attribute {name} is not a string")
    return value


def _plan(name: str) -> Plan:
    if name not in PLANS:
        raise BadRequest(f"unknown plan {name!r}; known: {', '.join(PLANS)}")
    return PLANS[name]
