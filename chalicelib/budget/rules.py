"""A gateway's `spend_limits` (Cloudflare's shape, already validated by the accounts
package) compiled into rules, and the counter (bucket) a request falls in for each.

A rule counts `cost` (USD, kept in pico-USD integers) or `tokens` (input + output). Its
dimensions scope it: `provider` and `model` filter (the rule applies only to the listed
values); each `metadata` key filters (`mode: filter`) or partitions (`mode: partition`:
each value has its own budget; a request without the key shares the bucket of "no
value", so leaving the key out never escapes a limit). Without dimensions one budget
counts the whole gateway.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from typing import Any

from chalicelib.budget.windows import FIXED, MONTH, SLIDING, Window

COST, TOKENS = "cost", "tokens"
PICO = Decimal(10) ** 12
"""Cost counters hold pico-USD integers: sums stay exact."""
DAY_S = 86_400
MONTH_S = 30 * DAY_S
"""The `window` a rule with `period: "month"` carries (its nominal length)."""
MetadataValue = str | int | float | bool


def pico_usd(usd: Decimal | float) -> int:
    """USD as pico-USD, rounded up (a charge or reservation is never under-counted)."""
    return int((Decimal(str(usd)) * PICO).to_integral_value(rounding=ROUND_CEILING))


@dataclass(frozen=True)
class Request:
    """What rules match on: the provider slug, the model asked for, `aig-metadata`."""

    provider: str
    model: str | None
    metadata: Mapping[str, MetadataValue]


@dataclass(frozen=True)
class Rule:
    """One enabled rule of a gateway."""

    key: str
    """Stable name of its counters: its `id`, else a digest of what defines its buckets,
    so reordering rules or changing a limit keeps the counts."""
    label: str
    """How messages name it: its id, or `rules[i]`."""
    unit: str
    limit: int
    """In pico-USD (cost) or tokens."""
    window: Window
    estimate: int | None
    """Reserved for a request whose maximum cannot be computed (same unit), if set."""
    fallback_model: str | None
    providers: frozenset[str] | None
    models: frozenset[str] | None
    metadata: tuple[tuple[str, frozenset[str] | None], ...]
    """(key, allowed values) per metadata dimension; None values: partition by the key."""

    def bucket(self, request: Request) -> Bucket | None:
        """The request's counter under this rule, None when the rule does not apply."""
        if self.providers is not None and request.provider not in self.providers:
            return None
        if self.models is not None and (request.model or "") not in self.models:
            return None
        scope: dict[str, str | None] = {}
        for key, allowed in self.metadata:
            value = request.metadata.get(key)
            text = None if value is None else _text(value)
            if allowed is not None:
                if text is None or text not in allowed:
                    return None
            else:
                scope[f"metadata.{key}"] = text
        digest = hashlib.sha256(json.dumps(scope, sort_keys=True).encode()).hexdigest()[:20]
        return Bucket(self, digest, scope)

    def amount(self, usd: Decimal | None, tokens: int | None) -> int:
        """A cost (USD, None unknown) or a token count in the rule's unit; unknown is 0."""
        if self.unit == COST:
            return 0 if usd is None else pico_usd(usd)
        return tokens or 0

    def show(self, amount: int) -> float | int:
        """An amount in the rule's public unit (USD or tokens)."""
        return float(Decimal(amount) / PICO) if self.unit == COST else amount


@dataclass(frozen=True)
class Bucket:
    """One counter of a rule: the whole scope, or one partition value."""

    rule: Rule
    digest: str
    scope: dict[str, str | None]
    """The partition values it counts, e.g. {"metadata.user_id": "u_42"}."""


def compile_rules(spend_limits: Mapping[str, Any] | None) -> list[Rule]:
    """The enabled rules of a gateway's `spend_limits` (none when it is off or unset)."""
    if not spend_limits or spend_limits.get("enabled") is False:
        return []
    rules = []
    for index, raw in enumerate(spend_limits.get("rules") or []):
        if raw.get("enabled") is False:
            continue
        rules.append(_rule(index, raw))
    return rules


def _rule(index: int, raw: Mapping[str, Any]) -> Rule:
    unit = raw.get("limitType", COST)
    period = raw.get("period")
    if period == "month":
        window = Window(MONTH, MONTH_S)
    elif period == "day":
        window = Window(FIXED, DAY_S)
    else:
        kind = SLIDING if raw.get("technique") == SLIDING else FIXED
        window = Window(kind, int(raw["window"]))
    metadata = tuple(
        (key, None if dim.get("mode") == "partition" else frozenset(map(str, dim["values"])))
        for key, dim in sorted((raw.get("metadata") or {}).items())
    )
    providers = _filter(raw.get("provider"))
    models = _filter(raw.get("model"))
    defining = {
        "unit": unit,
        "window": [window.kind, window.seconds],
        "provider": sorted(providers) if providers is not None else None,
        "model": sorted(models) if models is not None else None,
        "metadata": [[k, sorted(v) if v is not None else None] for k, v in metadata],
    }
    rule_id = raw.get("id")
    key = rule_id or hashlib.sha256(json.dumps(defining, sort_keys=True).encode()).hexdigest()[:16]
    limit, estimate = raw["limit"], raw.get("estimate")
    to_unit = pico_usd if unit == COST else _tokens
    return Rule(
        key=f"{'I' if rule_id else 'H'}{_safe(key)}",
        label=rule_id or f"rules[{index}]",
        unit=unit,
        limit=to_unit(limit),
        window=window,
        estimate=None if estimate is None else to_unit(estimate),
        fallback_model=raw.get("fallback_model"),
        providers=providers,
        models=models,
        metadata=metadata,
    )


def _filter(dimension: Mapping[str, Any] | None) -> frozenset[str] | None:
    return None if not dimension else frozenset(map(str, dimension["values"]))


def _tokens(value: float) -> int:
    return math.floor(value)


def _text(value: MetadataValue) -> str:
    """A metadata value as Cloudflare compares it: its text (true/false for booleans)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _safe(key: str) -> str:
    """A rule id usable in a sort key: short ids as they are, others digested."""
    if len(key) <= 64 and key.replace("-", "").replace("_", "").isalnum():
        return key
    return hashlib.sha256(key.encode()).hexdigest()[:16]
