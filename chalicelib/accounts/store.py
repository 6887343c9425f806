"""Reads and writes of accounts, gateways and tokens in the control table."""

from __future__ import annotations

from typing import Any

from boto3.dynamodb.conditions import Key

from chalicelib.accounts.models import (
    ACCOUNT_SK,
    Account,
    Gateway,
    account_pk,
    gateway_sk,
    utc_now_iso,
)
from chalicelib.accounts.tokens import TOKEN_SK, hash_token, token_pk


class AccountStore:
    """The control table, seen as accounts, gateways and tokens."""

    def __init__(self, table: Any) -> None:
        self._table = table

    def get_account(self, account_id: str) -> Account | None:
        """Return the account, or None when it does not exist."""
        item = self._table.get_item(Key={"pk": account_pk(account_id), "sk": ACCOUNT_SK}).get(
            "Item"
        )
        return Account.from_item(item) if item else None

    def put_account(self, account: Account) -> None:
        """Create or replace an account item."""
        self._table.put_item(Item=account.to_item())

    def get_gateway(self, account_id: str, gateway_id: str) -> Gateway | None:
        """Return one gateway, or None when it does not exist."""
        key = {"pk": account_pk(account_id), "sk": gateway_sk(gateway_id)}
        item = self._table.get_item(Key=key, ConsistentRead=True).get("Item")
        return Gateway.from_item(item) if item else None

    def list_gateways(self, account_id: str) -> list[Gateway]:
        """Return every gateway of an account, ordered by id."""
        condition = Key("pk").eq(account_pk(account_id)) & Key("sk").begins_with("GATEWAY#")
        items: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {"KeyConditionExpression": condition}
        while True:
            page = self._table.query(**kwargs)
            items.extend(page["Items"])
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        return [Gateway.from_item(item) for item in items]

    def put_gateway(self, gateway: Gateway) -> None:
        """Create or replace a gateway item."""
        self._table.put_item(Item=gateway.to_item())

    def add_token(self, account_id: str, token: str, name: str) -> None:
        """Register `token` (stored hashed) as an API token of the account."""
        self._table.put_item(
            Item={
                "pk": token_pk(hash_token(token)),
                "sk": TOKEN_SK,
                "account_id": account_id,
                "name": name,
                "created_at": utc_now_iso(),
            }
        )

    def account_of_token(self, token: str) -> str | None:
        """Return the id of the account that owns `token`, or None."""
        item = self._table.get_item(Key={"pk": token_pk(hash_token(token)), "sk": TOKEN_SK}).get(
            "Item"
        )
        return item["account_id"] if item else None
