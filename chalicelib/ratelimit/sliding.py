"""Sliding log: no more than `limit` admissions in any trailing interval, exactly.

Slots. The gateway has `limit` slots, each holding the time (ms) of the last admission
it took. A request takes a slot whose time is at most now - interval, by a conditional
update of that slot alone. So within one slot admissions are at least an interval apart,
and any window (t - interval, t] holds at most one admission per slot: at most `limit`,
whatever the concurrency. Conversely a request is rejected only after seeing every slot
busy, i.e. `limit` distinct admissions inside its window (they were written before it
looked, and it reads the clock after looking). Concurrent requests pick random free
slots, so they rarely collide; a collision returns the slot's item (no re-read) and the
loser decides again. retry_after: until the oldest busy slot ages out.

Tree. Slots live 64 to an item (leaves, `SLOTS#j`). Above them, summary nodes
(`TREE#{limit}#{level}#{i}`) keep per child a lower bound of the oldest time in that
child's subtree; a child whose bound is later than now - interval is full. A request
descends from the root through children that may have room; when it finds a child full
it raises that child's bound in the parent (a max-merge conditional update) and tries a
sibling. An admission that fills a leaf raises the bounds up the path. Bounds only ever
lag the truth, so a lagging one costs a visit, never a wrong rejection. A limit of at
most 64 is a single leaf; 4,096 takes two levels; 10**9 five.

Cost per request (every item < 1 KB: 1 RCU per consistent read, 1 WCU per write), with
depth d = 1 for limit <= 64, 2 for <= 4,096, 3 for <= 262,144:
- admitted: d consistent GetItem (d RCU) + 1 UpdateItem (1 WCU); the admission that
  fills a leaf also raises bounds: up to d - 1 UpdateItems (at most 1 WCU each);
- rejected: 1 GetItem of the root (1 RCU) when its bounds are current; a lagging bound
  adds a descent and its repair;
- a collision on a slot: +1 UpdateItem (1 WCU).
Ceiling: one partition per gateway, ~1,000 WCU/s, so up to ~1,000 admissions/s.
Changing the limit keeps the slots (a raised limit is exact at once; after a lowered one,
slots beyond the new limit stop counting, so the first interval may admit up to the old
limit) and starts a new summary. Work per request is bounded by `max_steps` reads and
writes; past it the request is rejected (retry after 1 s), never over-admitted.
Times are the callers' clocks: skew between hosts (NTP: milliseconds) shifts windows by
as much.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from botocore.exceptions import ClientError

from chalicelib.ratelimit import items
from chalicelib.ratelimit.decision import ALLOWED, RateDecision, rejected
from chalicelib.ratelimit.tree import FANOUT, Shape

if TYPE_CHECKING:  # the boto3 type stubs are a development dependency only
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef

MAX_STEPS = 32

logger = logging.getLogger(__name__)


@dataclass
class Node:
    """One item of the tree as read: `values[k]` is slot k's time (leaf) or child k's
    lower bound (summary node), in ms; missing means free or unknown."""

    level: int
    index: int
    width: int
    values: dict[int, int]

    def room(self, cutoff_ms: int) -> list[int]:
        """Entries that may be free at `cutoff_ms` (= now - interval)."""
        return [k for k in range(self.width) if self.values.get(k, cutoff_ms) <= cutoff_ms]

    def oldest(self) -> int:
        """Oldest time among the counted entries (all present when there is no room)."""
        return min(self.values[k] for k in range(self.width))


class SlidingLog:
    """The sliding-log technique over one control table."""

    def __init__(
        self,
        client: DynamoDBClient,
        table_name: str,
        clock: Callable[[], float],
        *,
        fanout: int = FANOUT,
        max_steps: int = MAX_STEPS,
    ) -> None:
        self._client = client
        self._table = table_name
        self._clock = clock
        self._fanout = fanout
        self._max_steps = max_steps

    def acquire(self, pk: str, limit: int, interval_s: int) -> RateDecision:
        """Take a free slot, or reject when every slot was busy in the trailing interval."""
        shape = Shape.of(limit, self._fanout)
        interval_ms = interval_s * 1000
        path: list[tuple[Node, int]] = []  # ancestors of `node`, each with the child taken
        node = self._read(pk, shape, *shape.root)
        steps = 1
        while True:
            now_ms = round(self._clock() * 1000)  # after what `node` shows was written
            cutoff = now_ms - interval_ms
            room = node.room(cutoff)
            if not room:
                if not path:
                    return rejected((node.oldest() + interval_ms - now_ms) / 1000)
                parent, entry = path.pop()
                self._raise(pk, shape, parent, entry, node.oldest(), now_ms, interval_s)
                node = parent
                continue
            if steps >= self._max_steps:
                logger.warning("rate limiter %s: no decision in %d steps", pk, steps)
                return rejected(1)
            steps += 1
            entry = random.choice(room)
            if node.level > 0:
                path.append((node, entry))
                node = self._read(pk, shape, node.level - 1, node.index * shape.fanout + entry)
                continue
            taken, node = self._take(pk, shape, node, entry, now_ms, interval_s)
            if taken:
                self._settle(pk, shape, path, node, now_ms, interval_s)
                return ALLOWED

    def _read(self, pk: str, shape: Shape, level: int, index: int) -> Node:
        item = self._client.get_item(
            TableName=self._table, Key=items.key(pk, shape.sk(level, index)), ConsistentRead=True
        ).get("Item", {})
        return _node(shape, level, index, item)

    def _take(
        self, pk: str, shape: Shape, leaf: Node, slot: int, now_ms: int, interval_s: int
    ) -> tuple[bool, Node]:
        """Write `now_ms` into a slot that is still free; the leaf after, or as it is."""
        try:
            after = self._client.update_item(
                TableName=self._table,
                Key=items.key(pk, shape.sk(0, leaf.index)),
                UpdateExpression="SET #slot = :now, #ttl = :ttl",
                ConditionExpression="attribute_not_exists(#slot) OR #slot <= :cutoff",
                ExpressionAttributeNames={"#slot": f"s{slot}", "#ttl": items.TTL_ATTRIBUTE},
                ExpressionAttributeValues={
                    ":now": {"N": str(now_ms)},
                    ":cutoff": {"N": str(now_ms - interval_s * 1000)},
                    ":ttl": items.expiry(now_ms / 1000 + interval_s),
                },
                ReturnValues="ALL_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )["Attributes"]
        except ClientError as error:
            if not items.condition_failed(error):
                raise
            # ReturnValuesOnConditionCheckFailure: the item as it is, in wire format
            current = cast("dict[str, AttributeValueTypeDef] | None", error.response.get("Item"))
            if current is None:  # not returned: read it
                return False, self._read(pk, shape, 0, leaf.index)
            return False, _node(shape, 0, leaf.index, current)
        return True, _node(shape, 0, leaf.index, after)

    def _settle(
        self,
        pk: str,
        shape: Shape,
        path: list[tuple[Node, int]],
        child: Node,
        now_ms: int,
        interval_s: int,
    ) -> None:
        """After an admission: while the child just filled up, record it in its parent."""
        cutoff = now_ms - interval_s * 1000
        while path and not child.room(cutoff):
            parent, entry = path.pop()
            self._raise(pk, shape, parent, entry, child.oldest(), now_ms, interval_s)
            child = parent

    def _raise(
        self,
        pk: str,
        shape: Shape,
        parent: Node,
        entry: int,
        oldest_ms: int,
        now_ms: int,
        interval_s: int,
    ) -> None:
        """Raise the parent's bound for child `entry` to `oldest_ms` (never lower it).

        Bounds only save visits, so a failed write is logged, not raised.
        """
        parent.values[entry] = max(parent.values.get(entry, oldest_ms), oldest_ms)
        try:
            self._client.update_item(
                TableName=self._table,
                Key=items.key(pk, shape.sk(parent.level, parent.index)),
                UpdateExpression="SET #bound = :oldest, #ttl = :ttl",
                ConditionExpression="attribute_not_exists(#bound) OR #bound < :oldest",
                ExpressionAttributeNames={"#bound": f"m{entry}", "#ttl": items.TTL_ATTRIBUTE},
                ExpressionAttributeValues={
                    ":oldest": {"N": str(oldest_ms)},
                    ":ttl": items.expiry(now_ms / 1000 + interval_s),
                },
            )
        except ClientError as error:
            if not items.condition_failed(error):  # else: already as high or higher
                logger.warning("rate limiter %s: bound not recorded: %s", pk, error)


def _node(shape: Shape, level: int, index: int, item: Mapping[str, AttributeValueTypeDef]) -> Node:
    prefix = "s" if level == 0 else "m"
    values = {
        int(name[1:]): int(value["N"])
        for name, value in item.items()
        if name[:1] == prefix and name[1:].isdigit()
    }
    return Node(level, index, shape.width(level, index), values)
