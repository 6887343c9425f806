"""chalicelib.dynamo: paging, batched reads and deletes, labelled transactions (moto in-process)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from boto3.dynamodb.conditions import ConditionBase, Key
from boto3.dynamodb.transform import ConditionExpressionTransformation
from botocore.exceptions import ClientError
from moto import mock_aws

from chalicelib import aws, dynamo
from chalicelib.accounts.store import AccountStore
from chalicelib.logstore.filters import make_filter
from chalicelib.logstore.rollups import Rollups
from chalicelib.logstore.search import LogSearch, LogSearcher
from chalicelib.settings import Settings
from chalicelib.timestamps import iso_utc
from tests.support.tenants import Tenant

TABLE = "things"


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A moto DynamoDB client with one (pk, sk) table."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        dynamodb = boto3.client("dynamodb")
        dynamodb.create_table(
            TableName=TABLE,
            KeySchema=[
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        yield dynamodb


def _fill(client: Any, pk: str, count: int) -> None:
    for index in range(count):
        client.put_item(TableName=TABLE, Item=dynamo.attributes({"pk": pk, "sk": f"{index:03d}"}))


def _query(pk: str) -> dict[str, Any]:
    return {
        "TableName": TABLE,
        "KeyConditionExpression": "pk = :pk",
        "ExpressionAttributeValues": dynamo.attributes({":pk": pk}),
    }


class Recorder:
    """Counts the calls made through `call`, keeping their parameters."""

    def __init__(self, call: Any) -> None:
        self._call = call
        self.calls: list[dict[str, Any]] = []

    def __call__(self, **params: Any) -> dict[str, Any]:
        self.calls.append(params)
        return self._call(**params)


def _sks(items: list[dict[str, Any]]) -> list[str]:
    return [item["sk"]["S"] for item in items]


# paging


def test_pages_follow_last_evaluated_key(client: Any) -> None:
    _fill(client, "a", 7)
    _fill(client, "b", 2)
    query = Recorder(client.query)
    pages = list(dynamo.pages(query, Limit=3, **_query("a")))
    assert [len(page["Items"]) for page in pages] == [3, 3, 1]
    assert len(query.calls) == 3
    assert "ExclusiveStartKey" not in query.calls[0]
    assert query.calls[1]["ExclusiveStartKey"] == pages[0]["LastEvaluatedKey"]
    assert all(call["Limit"] == 3 for call in query.calls)


def test_items_are_every_item_in_order_and_read_lazily(client: Any) -> None:
    _fill(client, "a", 5)
    query = Recorder(client.query)
    assert _sks(list(dynamo.items(query, Limit=2, **_query("a")))) == [f"{i:03d}" for i in range(5)]
    assert len(query.calls) == 3
    query.calls.clear()
    found = dynamo.items(query, Limit=2, **_query("a"))
    assert query.calls == []
    assert next(found)["sk"] == {"S": "000"}
    assert len(query.calls) == 1


def test_items_of_an_empty_partition_take_one_call(client: Any) -> None:
    query = Recorder(client.query)
    assert list(dynamo.items(query, **_query("none"))) == []
    assert len(query.calls) == 1


def test_a_limit_function_sizes_each_call_and_ends_when_spent(client: Any) -> None:
    _fill(client, "a", 10)
    query = Recorder(client.query)
    keys: list[dict[str, Any]] = []
    sizes = iter([4, 3, 0])
    for page in dynamo.pages(query, limit=lambda: next(sizes), **_query("a")):
        keys.extend(page["Items"])
    assert [call["Limit"] for call in query.calls] == [4, 3]
    assert _sks(keys) == [f"{i:03d}" for i in range(7)]


def test_a_spent_budget_makes_no_call(client: Any) -> None:
    query = Recorder(client.query)
    assert list(dynamo.pages(query, limit=lambda: 0, **_query("a"))) == []
    assert query.calls == []


def test_a_first_page_read_already_is_not_read_again(client: Any) -> None:
    _fill(client, "a", 5)
    first = client.query(Limit=2, **_query("a"))
    query = Recorder(client.query)
    pages = list(dynamo.pages(query, first=first, limit=lambda: 10, Limit=2, **_query("a")))
    assert pages[0] is first
    assert len(query.calls) == 1
    assert query.calls[0]["Limit"] == 10
    assert query.calls[0]["ExclusiveStartKey"] == first["LastEvaluatedKey"]
    assert _sks(pages[1]["Items"]) == ["002", "003", "004"]


def test_pages_pass_parameters_through_a_table_scan(client: Any) -> None:
    _fill(client, "a", 3)
    _fill(client, "b", 3)
    table = boto3.resource("dynamodb").Table(TABLE)
    scan = Recorder(table.scan)
    found = list(dynamo.items(scan, Limit=2, ConsistentRead=True, ProjectionExpression="pk"))
    assert sorted(item["pk"] for item in found) == ["a"] * 3 + ["b"] * 3
    assert all(call["ConsistentRead"] for call in scan.calls)
    assert len(scan.calls) >= 3
    assert all("ExclusiveStartKey" in call for call in scan.calls[1:])


# deletes


def test_delete_keys_empties_in_batches_of_25(client: Any) -> None:
    _fill(client, "a", 60)
    _fill(client, "b", 1)
    calls: list[int] = []
    real = client.batch_write_item

    def batch_write_item(**params: Any) -> dict[str, Any]:
        calls.append(len(params["RequestItems"][TABLE]))
        return real(**params)

    client.batch_write_item = batch_write_item
    keys = dynamo.items(client.query, ProjectionExpression="pk, sk", **_query("a"))
    assert dynamo.delete_keys(client, TABLE, keys) == 60
    assert calls == [25, 25, 10]
    assert client.query(**_query("a"))["Items"] == []
    assert len(client.query(**_query("b"))["Items"]) == 1


def test_delete_keys_of_nothing_makes_no_call() -> None:
    assert dynamo.delete_keys(SimpleNamespace(), TABLE, []) == 0


class Unprocessing:
    """A client leaving the last request of each BatchWriteItem unprocessed, `times` times."""

    def __init__(self, times: int) -> None:
        self.times = times
        self.calls: list[int] = []

    def batch_write_item(self, RequestItems: dict[str, Any]) -> dict[str, Any]:  # noqa: N803
        requests = RequestItems[TABLE]
        self.calls.append(len(requests))
        if self.times:
            self.times -= 1
            return {"UnprocessedItems": {TABLE: requests[-1:]}}
        return {"UnprocessedItems": {}}


def _keys(count: int) -> list[dict[str, Any]]:
    return [dynamo.attributes({"pk": "a", "sk": str(i)}) for i in range(count)]


def test_unprocessed_deletes_are_retried_with_backoff() -> None:
    fake, slept = Unprocessing(times=2), []
    assert dynamo.delete_keys(fake, TABLE, _keys(30), sleep=slept.append) == 30
    assert fake.calls == [25, 1, 1, 5]
    assert slept == [0.05, 0.1]


def test_unprocessed_deletes_are_retried_a_bounded_number_of_times() -> None:
    fake, slept = Unprocessing(times=100), []
    assert dynamo.delete_keys(fake, TABLE, _keys(3), sleep=slept.append, attempts=3) == 2
    assert fake.calls == [3, 1, 1]
    assert slept == [0.05, 0.1]  # none after the last attempt


def test_deletes_that_must_complete_raise_when_left_unprocessed() -> None:
    fake = Unprocessing(times=4)
    with pytest.raises(dynamo.Unprocessed, match="1 deletes"):
        dynamo.delete_keys(fake, TABLE, _keys(30), sleep=lambda _: None, complete=True)
    assert fake.calls == [25, 1, 1, 1]  # the next batch is not tried
    fake = Unprocessing(times=3)
    assert dynamo.delete_keys(fake, TABLE, _keys(30), sleep=lambda _: None, complete=True) == 30


# batched reads


def test_get_many_reads_the_keys_that_exist_in_batches_of_100(client: Any) -> None:
    _fill(client, "a", 150)
    calls = Recorder(client.batch_get_item)
    client.batch_get_item = calls
    keys = [dynamo.attributes({"pk": "a", "sk": f"{i:03d}"}) for i in range(150)]
    keys.append(dynamo.attributes({"pk": "a", "sk": "missing"}))
    found = dynamo.get_many(client, TABLE, keys, projection="sk")
    assert sorted(_sks(found)) == [f"{i:03d}" for i in range(150)]
    assert all(set(item) == {"sk"} for item in found)
    assert [len(call["RequestItems"][TABLE]["Keys"]) for call in calls.calls] == [100, 51]
    assert all(call["RequestItems"][TABLE]["ConsistentRead"] for call in calls.calls)


def test_get_many_of_nothing_makes_no_call() -> None:
    assert dynamo.get_many(SimpleNamespace(), TABLE, []) == []


class Unreading:
    """A client answering each BatchGetItem with all keys but the last, which it leaves
    unprocessed `times` times."""

    def __init__(self, times: int) -> None:
        self.times = times
        self.calls: list[dict[str, Any]] = []

    def batch_get_item(self, RequestItems: dict[str, Any]) -> dict[str, Any]:  # noqa: N803
        request = RequestItems[TABLE]
        self.calls.append(request)
        keys = request["Keys"]
        if self.times:
            self.times -= 1
            return {
                "Responses": {TABLE: keys[:-1]},
                "UnprocessedKeys": {TABLE: {"Keys": keys[-1:]}},
            }
        return {"Responses": {TABLE: keys}, "UnprocessedKeys": {}}


def test_unprocessed_keys_are_asked_again_with_growing_jittered_sleeps() -> None:
    fake, slept = Unreading(times=4), []
    found = dynamo.get_many(fake, TABLE, _keys(30), "sk", sleep=slept.append)
    assert sorted(_sks(found)) == sorted(str(i) for i in range(30))
    assert [len(call["Keys"]) for call in fake.calls] == [30, 1, 1, 1, 1]
    assert all(call["ProjectionExpression"] == "sk" for call in fake.calls)
    assert len(slept) == 4 and slept == sorted(slept)
    for attempt, seconds in enumerate(slept):
        assert 0.05 * 2**attempt / 2 <= seconds <= 0.05 * 2**attempt


def test_keys_left_unprocessed_through_every_attempt_raise() -> None:
    fake, slept = Unreading(times=100), []
    with pytest.raises(dynamo.UnprocessedKeys, match="1 keys of things"):
        dynamo.get_many(fake, TABLE, _keys(150), attempts=3, sleep=slept.append)
    assert [len(call["Keys"]) for call in fake.calls] == [100, 1, 1]  # the next batch is not read
    assert len(slept) == 2  # none after the last attempt


# labelled transactions


def _put(sk: str) -> dict[str, Any]:
    return dynamo.put(TABLE, {"pk": "a", "sk": sk}, "attribute_not_exists(sk)")


def test_a_failed_condition_is_named_by_its_label(client: Any) -> None:
    _fill(client, "a", 3)  # 000, 001, 002
    transaction = (
        dynamo.Transaction()
        .add("fresh", _put("100"))
        .add("copies", _put("101"), _put("001"), _put("002"))
        .add(
            "check", dynamo.condition_check(TABLE, {"pk": "a", "sk": "000"}, "attribute_exists(sk)")
        )
    )
    assert len(transaction) == 5
    failed = dynamo.transact(client, transaction)
    assert failed == dynamo.Failure(label="copies", offset=1, index=2)
    assert len(client.query(**_query("a"))["Items"]) == 3


def test_a_transaction_that_passes_returns_none(client: Any) -> None:
    transaction = dynamo.Transaction().add("put", _put("x")).add("none").add("put", _put("y"))
    assert transaction.labels == ["put", "put"]
    assert dynamo.transact(client, transaction) is None
    assert _sks(client.query(**_query("a"))["Items"]) == ["x", "y"]


def test_failure_reads_a_raw_cancellation(client: Any) -> None:
    _fill(client, "a", 1)
    transaction = dynamo.Transaction().add("new", _put("new")).add("old", _put("000"))
    with pytest.raises(client.exceptions.TransactionCanceledException) as caught:
        client.transact_write_items(TransactItems=transaction.actions)
    assert transaction.failure(caught.value) == dynamo.Failure("old", 0, 1)


class Canceled(ClientError):
    pass


class Cancelling:
    """A client whose transactions are cancelled with `codes`, one list per call."""

    exceptions = SimpleNamespace(TransactionCanceledException=Canceled)

    def __init__(self, *codes: list[str]) -> None:
        self.codes = list(codes)
        self.calls = 0

    def transact_write_items(self, TransactItems: list[dict[str, Any]]) -> None:  # noqa: N803
        self.calls += 1
        if self.codes:
            reasons = [{"Code": code} for code in self.codes.pop(0)]
            error = {"Error": {"Code": "TransactionCanceledException", "Message": "cancelled"}}
            raise Canceled({**error, "CancellationReasons": reasons}, "TransactWriteItems")


def _two() -> dynamo.Transaction:
    return dynamo.Transaction().add("a", _put("1")).add("b", _put("2"))


def test_conflicts_are_retried_with_backoff() -> None:
    conflict = ["None", "TransactionConflict"]
    fake, slept = Cancelling(conflict, conflict), []
    assert dynamo.transact(fake, _two(), sleep=slept.append) is None
    assert fake.calls == 3
    assert slept == [0.005, 0.01]


def test_a_condition_failing_after_a_conflict_is_named() -> None:
    fake = Cancelling(["TransactionConflict", "None"], ["None", "ConditionalCheckFailed"])
    assert dynamo.transact(fake, _two(), sleep=lambda _: None) == dynamo.Failure("b", 0, 1)


@pytest.mark.parametrize("codes", [[], ["None", "ThrottlingError"]])
def test_other_cancellations_propagate(codes: list[str]) -> None:
    with pytest.raises(Canceled):
        dynamo.transact(Cancelling(codes), _two(), sleep=lambda _: None)


def test_endless_conflicts_give_up_after_the_attempts() -> None:
    fake, slept = Cancelling(*[["TransactionConflict"]] * 5), []
    with pytest.raises(RuntimeError, match="kept conflicting"):
        dynamo.transact(fake, _two(), attempts=3, sleep=slept.append)
    assert fake.calls == 3
    assert slept == [0.005, 0.01, 0.02]


def test_key_conditions_are_plain_strings_with_their_own_placeholders() -> None:
    condition = Key("pk").eq("acme#main#3") & Key("sk").between("01A", "01Z")
    built = dynamo.key_condition(condition)
    names = built["ExpressionAttributeNames"]
    assert sorted(names.values()) == ["pk", "sk"] and len(names) == 2
    assert isinstance(built["KeyConditionExpression"], str)
    assert sorted(built["ExpressionAttributeValues"].values()) == ["01A", "01Z", "acme#main#3"]


def test_no_condition_object_reaches_a_clients_shared_builder(
    settings: Settings, tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Table's client builds condition objects with one builder shared by all threads
    (the shards' parallel first reads once got `#n0 = :v0 AND #n0 <= :v1`): the search,
    the rollups and the account store hand it built expressions only."""
    original = ConditionExpressionTransformation.__call__

    def refuse_objects(self: ConditionExpressionTransformation, value: Any) -> Any:
        assert not isinstance(value, ConditionBase), "a condition object reached the client"
        return original(self, value)

    monkeypatch.setattr(ConditionExpressionTransformation, "__call__", refuse_objects)
    after = datetime(2026, 1, 1, tzinfo=UTC)
    filters = (make_filter("created_at", "gt", [iso_utc(after)]),)
    page = LogSearcher(aws.table(settings.logs_table)).page(
        LogSearch(tenant.account_id, tenant.gateway_id, 16, filters), 10
    )
    assert page.records == []
    rows = Rollups(settings.control_table).read(
        aws.table(settings.control_table),
        tenant.account_id,
        tenant.gateway_id,
        after,
        after + timedelta(hours=3),
    )
    assert rows == []
    accounts = AccountStore(aws.table(settings.control_table), aws.client("dynamodb"))
    assert [g.id for g in accounts.list_gateways(tenant.account_id)] == [tenant.gateway_id]
