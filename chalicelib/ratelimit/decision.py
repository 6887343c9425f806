"""What the limiter answers: admitted, or rejected with the seconds to wait."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class RateDecision:
    """`allowed`, else `retry_after_s` (>= 1): seconds until capacity frees."""

    allowed: bool
    retry_after_s: int


ALLOWED = RateDecision(allowed=True, retry_after_s=0)


def rejected(wait_s: float) -> RateDecision:
    """A rejection asking the client to wait `wait_s` seconds, rounded up, at least 1."""
    return RateDecision(allowed=False, retry_after_s=max(1, math.ceil(wait_s)))
