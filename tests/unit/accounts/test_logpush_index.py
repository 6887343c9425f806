"""The control table's sparse logpush index: exactly the gateways with logpush on."""

from __future__ import annotations

from chalicelib import aws
from chalicelib.accounts.item_keys import LOGPUSH_INDEX, LOGPUSH_KEY, LOGPUSH_ON
from chalicelib.accounts.store import AccountStore
from chalicelib.settings import Settings


def _names(accounts: AccountStore) -> set[str]:
    return {f"{g.account_id}/{g.id}" for g in accounts.logpush_gateways()}


def _indexed(settings: Settings) -> int:
    table = aws.table(settings.control_table)
    answer = table.query(
        IndexName=LOGPUSH_INDEX,
        KeyConditionExpression="#k = :on",
        ExpressionAttributeNames={"#k": LOGPUSH_KEY},
        ExpressionAttributeValues={":on": LOGPUSH_ON},
    )
    return answer["Count"]


def test_only_gateways_with_logpush_on_are_in_the_index(
    accounts: AccountStore, settings: Settings
) -> None:
    accounts.create_account("acme", plan="paid")
    accounts.create_account("globex", plan="paid")
    accounts.create_gateway("acme", "pushed", {"logpush": True})
    accounts.create_gateway("acme", "quiet", {})
    accounts.create_gateway("globex", "later", {"logpush": False})
    assert _names(accounts) == {"acme/pushed"}

    accounts.update_gateway("globex", "later", {"logpush": True})
    accounts.update_gateway("acme", "pushed", {"logpush": False})
    accounts.update_gateway("acme", "quiet", {"cache_ttl": 60})  # other changes: no effect
    assert _names(accounts) == {"globex/later"}
    assert _indexed(settings) == 1


def test_a_gateway_being_deleted_is_not_exported(accounts: AccountStore) -> None:
    accounts.create_account("acme", plan="paid")
    accounts.create_gateway("acme", "pushed", {"logpush": True})
    accounts.mark_deleting("acme", "pushed")
    assert _names(accounts) == set()
