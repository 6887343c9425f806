"""Shape of the sliding log's tree: `limit` slots in leaves of `fanout`, summaries above.

Level 0 holds the leaves (slot j in leaf j // fanout); each level above has one node per
`fanout` nodes below, up to a single root. A limit up to `fanout` is one leaf, which is
then the root; 64 ** 5 slots (over 10**9) fit in five levels.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from chalicelib.ratelimit import items

FANOUT = 64
"""Entries per item: 64 numbers with short names keep every item under 1 KB."""


@dataclass(frozen=True)
class Shape:
    """The tree for one limit."""

    limit: int
    fanout: int
    sizes: tuple[int, ...]
    """Nodes per level, leaves first; the last level holds the root alone."""

    @classmethod
    def of(cls, limit: int, fanout: int = FANOUT) -> Shape:
        if limit < 1 or fanout < 2:
            raise ValueError(f"a tree needs limit >= 1 and fanout >= 2, not {limit}, {fanout}")
        sizes = [math.ceil(limit / fanout)]
        while sizes[-1] > 1:
            sizes.append(math.ceil(sizes[-1] / fanout))
        return cls(limit, fanout, tuple(sizes))

    @property
    def root(self) -> tuple[int, int]:
        """(level, index) of the root."""
        return len(self.sizes) - 1, 0

    def width(self, level: int, index: int) -> int:
        """Entries of node (level, index) that count: slots < limit, children that exist."""
        below = self.limit if level == 0 else self.sizes[level - 1]
        return min(self.fanout, below - index * self.fanout)

    def sk(self, level: int, index: int) -> str:
        """Sort key of node (level, index)."""
        return items.leaf_sk(index) if level == 0 else items.node_sk(self.limit, level, index)
