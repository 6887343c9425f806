"""Exact budgets across concurrent callers: reserve before the provider call, settle after.

Admission. Each counter item keeps `used` = its charges + its open reservations (items.py).
DynamoDB conditions cannot add, so a reservation of m under a limit L is one UpdateItem
`ADD used :m, r{e} :m` on condition `used <= :room` with room = L - m (or no `used` yet):
DynamoDB applies it atomically, so however many Lambdas race, the charges and
reservations of a counter never pass L together. A request that matches several rules
reserves in each counter in key order and, if one refuses, gives back those already taken
(ordered writes with rollback: n writes admitted, up to 2n - 1 refused). A counter held
by a reservation being rolled back refuses early at worst; it never admits too much.

Settlement. One UpdateItem per counter: `ADD used :(actual - m), c{k} :actual, r{e} :-m`
on condition that the reservation group r{e} still exists. So once settled, a counter
holds what was actually spent; the unused part of the reservation is free again.

Expiry. Reservations are grouped by lease epoch e (the minute they were made). A group
older than the lease (`lease_s`, the longest a request can live: Lambda stops a function
at 15 minutes) can only hold reservations whose request died between reserve and settle:
any caller that sees one reclaims it (`REMOVE r{e} ADD used :-seen` on condition
`r{e} = :seen`: exact even when racing a settlement). A settlement arriving after its
group was reclaimed finds no r{e} and charges its actual amount alone (its reservation
was already given back). Charges of bins that left a sliding window are removed the same
way. Cleanup happens when a reservation is refused (then it is retried once) or when a
counter carries more than MAX_STALE such attributes, so it costs no write on most
requests.

Guarantee: the amounts charged in any window never exceed the limit by more than what
requests charged beyond their own reservation (none when the reservation was a true
maximum) plus what requests alive past the lease charged.
Cost per request and matching rule: one conditional UpdateItem to reserve, one to settle
(1 WCU each, items stay under 1 KB); a refusal that finds stale reservations adds a
cleanup and a retry. Ceiling: ~1,000 writes/s per counter item, ~500 requests/s.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from botocore.exceptions import ClientError

from chalicelib.budget import items
from chalicelib.budget.rules import Bucket

if TYPE_CHECKING:  # the boto3 type stubs are a development dependency only
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef

logger = logging.getLogger(__name__)

LEASE_S = 900
"""How long a reservation holds before it may be reclaimed: Lambda's longest run."""
SKEW_S = 5
"""Clock skew allowed between callers before a reservation group is reclaimed."""
MAX_STALE = 4
"""A counter carrying more stale attributes than this is cleaned after a write."""

Item = dict[str, "AttributeValueTypeDef"]


@dataclass(frozen=True)
class Claim:
    """An amount to reserve in one bucket."""

    bucket: Bucket
    amount: int


@dataclass(frozen=True)
class Held:
    """A reservation taken in one counter."""

    claim: Claim
    sk: str
    epoch: int
    bin: int
    expires: int


@dataclass(frozen=True)
class Refusal:
    """The counter that refused: its rule, and what it held when it did."""

    claim: Claim
    used: int
    retry_after_s: int


@dataclass
class Reservation:
    """Reservations held for one request, settled once with its actual amounts."""

    pk: str
    held: list[Held]
    settled: bool = field(default=False)


class Ledger:
    """Budget counters in the control table (low-level DynamoDB client); `clock` gives
    epoch seconds. DynamoDB errors other than a failed condition propagate."""

    def __init__(
        self,
        client: DynamoDBClient,
        table_name: str,
        clock: Callable[[], float] = time.time,
        lease_s: int = LEASE_S,
    ) -> None:
        self._client = client
        self._table = table_name
        self._clock = clock
        self._lease_s = lease_s

    def reserve(self, pk: str, claims: Sequence[Claim]) -> Reservation | Refusal:
        """Reserve every claim or none; a refusal names the first counter that refused."""
        now = self._clock()
        reservation = Reservation(pk, [])
        for claim in sorted(claims, key=lambda c: (c.bucket.rule.key, c.bucket.digest)):
            held = self._held(claim, now)
            refused = self._reserve_one(pk, held, now)
            if refused is not None:
                for taken in reversed(reservation.held):
                    self._give_back(pk, taken)
                return refused
            reservation.held.append(held)
        return reservation

    def settle(self, reservation: Reservation, actual: Callable[[Claim], int]) -> None:
        """Charge each counter `actual(claim)` and free its reservation (once)."""
        if reservation.settled:
            return
        reservation.settled = True
        for held in reservation.held:
            self._settle_one(reservation.pk, held, max(0, actual(held.claim)))

    def _held(self, claim: Claim, now: float) -> Held:
        window = claim.bucket.rule.window
        sk = items.counter_sk(claim.bucket.rule.key, window.tag(now), claim.bucket.digest)
        expires = max(window.expires(now), math.ceil(now) + self._lease_s) + items.TTL_GRACE_S
        return Held(claim, sk, math.floor(now) // items.EPOCH_S, window.bin(now), expires)

    def _reserve_one(self, pk: str, held: Held, now: float) -> Refusal | None:
        claim = held.claim
        limit = claim.bucket.rule.limit
        if claim.amount > limit:
            return Refusal(claim, 0, 0)
        for attempt in range(2):
            item = self._update_reserve(pk, held)
            if item is None:
                return None
            if attempt == 0 and self._clean(pk, held, item, now, force=True):
                continue
            used = int(item.get(items.USED, {"N": "0"})["N"])
            window = claim.bucket.rule.window
            retry = window.end(now) - now if window.kind != "sliding" else window.bin_s
            return Refusal(claim, used, max(1, math.ceil(retry)))
        raise AssertionError("unreachable")

    def _update_reserve(self, pk: str, held: Held) -> Item | None:
        """Take the reservation: None when taken, else the counter as it was (refused)."""
        claim = held.claim
        names = {"#used": items.USED, "#scope": items.SCOPE, "#ttl": items.TTL_ATTRIBUTE}
        values: dict[str, Any] = {
            ":m": {"N": str(claim.amount)},
            ":room": {"N": str(claim.bucket.rule.limit - claim.amount)},
            ":scope": {"M": {k: _text(v) for k, v in claim.bucket.scope.items()}},
            ":ttl": {"N": str(held.expires)},
        }
        adds = "#used :m"
        if claim.amount:
            names["#slot"] = items.slot_name(held.epoch)
            adds += ", #slot :m"
        try:
            after = self._client.update_item(
                TableName=self._table,
                Key=items.key(pk, held.sk),
                UpdateExpression=f"ADD {adds} SET #scope = if_not_exists(#scope, :scope), "
                "#ttl = :ttl",
                ConditionExpression="attribute_not_exists(#used) OR #used <= :room",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
                ReturnValues="ALL_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )["Attributes"]
        except ClientError as error:
            if not _condition_failed(error):
                raise
            old = cast("Item | None", error.response.get("Item"))
            return old if old is not None else self._read(pk, held.sk)
        self._clean(pk, held, after, self._clock(), force=False)
        return None

    def _give_back(self, pk: str, held: Held) -> None:
        """Undo a reservation (another counter refused the request)."""
        self._settle_one(pk, held, 0)

    def _settle_one(self, pk: str, held: Held, actual: int) -> None:
        names = {"#used": items.USED, "#ttl": items.TTL_ATTRIBUTE}
        values: dict[str, Any] = {":ttl": {"N": str(held.expires)}}
        adds = []
        if actual:
            names["#bin"] = items.bin_name(held.bin)
            values[":actual"] = {"N": str(actual)}
            adds.append("#bin :actual")
        condition = None
        if held.claim.amount:
            names["#slot"] = items.slot_name(held.epoch)
            values[":delta"] = {"N": str(actual - held.claim.amount)}
            values[":neg"] = {"N": str(-held.claim.amount)}
            adds += ["#used :delta", "#slot :neg"]
            condition = "attribute_exists(#slot)"
        elif actual:
            adds.append("#used :actual")
        if not adds:
            return
        request: dict[str, Any] = {
            "TableName": self._table,
            "Key": items.key(pk, held.sk),
            "UpdateExpression": f"ADD {', '.join(adds)} SET #ttl = :ttl",
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }
        if condition:
            request["ConditionExpression"] = condition
        try:
            self._client.update_item(**request)
        except ClientError as error:
            if not _condition_failed(error):
                raise
            # the reservation expired and was given back: charge what was spent alone
            logger.warning("budget %s %s: settled after its reservation expired", pk, held.sk)
            if actual:
                self._settle_one(pk, Held(Claim(held.claim.bucket, 0), *_rest(held)), actual)

    def _clean(self, pk: str, held: Held, item: Item, now: float, force: bool) -> bool:
        """Remove expired reservation groups and bins out of the window (one conditional
        write, best effort); True if something was removed."""
        window = held.claim.bucket.rule.window
        stale = {
            items.bin_name(k): v
            for k, v in items.numbered(item, items.BIN_PREFIX).items()
            if window.kind == "sliding" and k < window.oldest_bin(now)
        }
        reclaim_before = now - self._lease_s - SKEW_S
        stale.update(
            {
                items.slot_name(e): v
                for e, v in items.numbered(item, items.SLOT_PREFIX).items()
                if (e + 1) * items.EPOCH_S < reclaim_before
            }
        )
        if not stale or (not force and len(stale) <= MAX_STALE):
            return False
        names = {"#used": items.USED}
        values: dict[str, Any] = {":gone": {"N": str(-sum(stale.values()))}}
        conditions = []
        for index, (name, value) in enumerate(sorted(stale.items())):
            names[f"#a{index}"] = name
            values[f":v{index}"] = {"N": str(value)}
            conditions.append(f"#a{index} = :v{index}")
        removes = ", ".join(f"#a{index}" for index in range(len(stale)))
        try:
            self._client.update_item(
                TableName=self._table,
                Key=items.key(pk, held.sk),
                UpdateExpression=f"REMOVE {removes} ADD #used :gone",
                ConditionExpression=" AND ".join(conditions),
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
            )
        except ClientError as error:
            if not _condition_failed(error):
                raise
            return True  # changed meanwhile: worth another look
        return True

    def _read(self, pk: str, sk: str) -> Item:
        return self._client.get_item(
            TableName=self._table, Key=items.key(pk, sk), ConsistentRead=True
        ).get("Item", {})


def _rest(held: Held) -> tuple[str, int, int, int]:
    return held.sk, held.epoch, held.bin, held.expires


def _text(value: str | None) -> AttributeValueTypeDef:
    return {"NULL": True} if value is None else {"S": value}


def _condition_failed(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"
