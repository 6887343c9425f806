"""Spend limits and token rate limits on the proxy path: what a request may cost at most,
reserved before the provider is called, and what it did cost, settled after.

A request's maximum: input tokens at most the upstream body's size in bytes (a text token
is at least one byte; capped at the model's context window when the price table knows
it) and output tokens at most `max_tokens` (`max_completion_tokens`,
`max_output_tokens`, Gemini's `maxOutputTokens`) times `n` (or `candidateCount`),
else the context window; embeddings produce none. Priced with `aig-custom-cost` or the
price table. When the output has no bound, a rule's `estimate` is reserved instead, else
the input's part alone (the request then may charge more than it reserved: that excess
is all a limit can be exceeded by). A model the price table does not know costs nothing
(its logs say cost unknown), so cost rules do not count it.

Each fallback step reserves and settles on its own; its retries share its reservation
(only one attempt of a step can succeed and be charged). A cache hit reserves nothing.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, TypeGuard

from chalicelib.budget import (
    COST,
    Claim,
    Ledger,
    Refusal,
    Request,
    Reservation,
    compile_rules,
    pico_usd,
    spend_pk,
)
from chalicelib.providers import Usage, model_type
from chalicelib.proxy.breaker import Breaker
from chalicelib.proxy.cost import cost_usd
from chalicelib.proxy.exchange import Target, UpstreamCall
from chalicelib.proxy.log_entry import Context, Measure, requested_model
from chalicelib.proxy.stale import SOURCE_ERRORS
from chalicelib.validation import MAX_BODY_DEPTH, load_json

logger = logging.getLogger(__name__)

_SNIFF_LIMIT = 1024 * 1024
_OUTPUT_KEYS = ("max_completion_tokens", "max_tokens", "max_output_tokens")
PAUSE_S = 5.0


@dataclass(frozen=True)
class Bounds:
    """The most tokens a request can use; `tokens_out` None when unbounded."""

    tokens_in: int
    tokens_out: int | None
    cost_in: Decimal | None
    """USD of `tokens_in` alone (None: no price known)."""
    cost: Decimal | None
    """USD of both bounds (None: no price known, or no output bound)."""


@dataclass
class Hold:
    """The reservation of one step, and the measures of its attempts so far."""

    reservation: Reservation
    measures: list[Measure] = field(default_factory=list)


@dataclass(frozen=True)
class Limited:
    """A refusal, and the target to try instead when the rule names a fallback model."""

    refusal: Refusal
    fallback: Target | None


class SpendGuard:
    """Reserves and settles the spend and token limits of a gateway in a Ledger.

    While the ledger cannot be reached, limits fail open like rate limits (a warning, and
    no ledger call for PAUSE_S): such requests are neither limited nor charged.
    """

    def __init__(self, ledger: Ledger, clock: Callable[[], float] = time.monotonic) -> None:
        self._ledger = ledger
        self._breaker = Breaker(PAUSE_S, clock)

    def reserve(self, context: Context, target: Target) -> Hold | Limited | None:
        """Reserve the target's maximum under every matching rule; None when no rule
        applies (then no AWS call) or the ledger cannot be reached."""
        if not self._breaker.allows():
            return None
        try:
            return self._reserve(context, target)
        except SOURCE_ERRORS as exc:
            self._breaker.failed()
            logger.warning("spend limits unavailable (%s): not enforced for %s s", exc, PAUSE_S)
            return None

    def _reserve(self, context: Context, target: Target) -> Hold | Limited | None:
        rules = compile_rules(context.gateway.spend_limits)
        if not rules:
            return None
        call = target.call
        model = target.presentation.model or requested_model(call)
        request = Request(call.provider.slug, model, target.options.log.metadata)
        buckets = [b for rule in rules if (b := rule.bucket(request)) is not None]
        if not buckets:
            return None
        bounds = bounds_of(target, model)
        claims = [Claim(b, _maximum(b.rule.unit, b.rule.estimate, bounds)) for b in buckets]
        held = self._ledger.reserve(
            spend_pk(context.gateway.account_id, context.gateway.id), claims
        )
        if isinstance(held, Reservation):
            return Hold(held)
        fallback = held.claim.bucket.rule.fallback_model
        retarget = None if fallback in (None, model) else with_model(target, fallback)
        return Limited(held, retarget)

    def settle(self, hold: Hold) -> None:
        """Charge the step's actual amounts (its attempts' logged costs and tokens)."""
        cost = sum((m.cost or Decimal(0) for m in hold.measures), Decimal(0))
        tokens = sum(_tokens(m.usage) for m in hold.measures)
        try:
            self._ledger.settle(
                hold.reservation, lambda claim: claim.bucket.rule.amount(cost, tokens)
            )
        except SOURCE_ERRORS as exc:  # the reservation expires after the lease
            logger.warning("spend limits: a settlement failed (%s)", exc)


def refusal_message(refusal: Refusal, gateway_id: str) -> str:
    """What the 429 says: the rule, its limit and window, what is used, when to retry."""
    rule = refusal.claim.bucket.rule
    kind = "spend limit" if rule.unit == COST else "token rate limit"
    unit = "USD" if rule.unit == COST else "tokens"
    window = rule.window
    per = {"month": "calendar month (UTC)", "sliding": f"rolling {window.seconds} s"}.get(
        window.kind, "UTC day" if window.seconds == 86_400 else f"{window.seconds} s window"
    )
    scope = "".join(f", {k}={v}" for k, v in refusal.claim.bucket.scope.items())
    head = f"{kind} {rule.label!r} of gateway {gateway_id}{scope}"
    limit = f"{rule.show(rule.limit)} {unit} per {per}"
    if refusal.claim.amount > rule.limit:
        return (
            f"{head}: this request may use up to {rule.show(refusal.claim.amount)} {unit},"
            f" more than the whole limit ({limit}); lower max_tokens"
        )
    return (
        f"{head} reached: {rule.show(refusal.used)} of {limit} used or reserved;"
        f" retry after {refusal.retry_after_s} s"
    )


def bounds_of(target: Target, model: str | None) -> Bounds:
    """The most the target's request can use (see the module's docstring)."""
    call = target.call
    tokens_in = len(call.body)
    body = _body(call)
    tokens_out = _output_bound(body)
    if model_type(call.provider.wire, call.path) == "embedding":
        tokens_out = 0
    custom = target.options.log.custom_cost
    if custom is not None:
        cost_in = custom.cost_usd(Usage(tokens_in=tokens_in, tokens_out=0))
        cost = None
        if tokens_out is not None:
            cost = custom.cost_usd(Usage(tokens_in=tokens_in, tokens_out=tokens_out))
        return Bounds(tokens_in, tokens_out, cost_in, cost)
    context_window = _context_window(call.provider.price_id, model)
    if context_window is not None:
        tokens_in = min(tokens_in, context_window)
        tokens_out = context_window if tokens_out is None else min(tokens_out, context_window)
    price_id = call.provider.price_id
    cost_in = cost_usd(price_id, model, Usage(tokens_in=tokens_in, tokens_out=0))
    cost = None
    if tokens_out is not None:
        cost = cost_usd(price_id, model, Usage(tokens_in=tokens_in, tokens_out=tokens_out))
    return Bounds(tokens_in, tokens_out, cost_in, cost)


def with_model(target: Target, model: str) -> Target | None:
    """The target with its JSON body's `model` replaced, None when its body names none."""
    body = _body(target.call)
    if body is None or not isinstance(body.get("model"), str):
        return None
    new_body = json.dumps({**body, "model": model}).encode()
    call = replace(target.call, body=new_body)
    presentation = target.presentation
    if presentation.model is not None:
        presentation = replace(presentation, model=model)
    return replace(target, call=call, presentation=presentation)


def _maximum(unit: str, estimate: int | None, bounds: Bounds) -> int:
    if unit == COST:
        if bounds.cost is not None:
            return pico_usd(bounds.cost)
        if estimate is not None:
            return estimate
        return 0 if bounds.cost_in is None else pico_usd(bounds.cost_in)
    if bounds.tokens_out is not None:
        return bounds.tokens_in + bounds.tokens_out
    return estimate if estimate is not None else bounds.tokens_in


def _tokens(usage: Usage) -> int:
    return (usage.tokens_in or 0) + (usage.tokens_out or 0)


def _body(call: UpstreamCall) -> dict[str, Any] | None:
    body = call.body
    if not body or len(body) > _SNIFF_LIMIT or body.lstrip()[:1] != b"{":
        return None
    try:
        parsed = load_json(body, MAX_BODY_DEPTH)
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None


def _output_bound(body: Mapping[str, Any] | None) -> int | None:
    if body is None:
        return None
    config = body.get("generationConfig")
    google = config if isinstance(config, dict) else {}
    for value in (*(body.get(k) for k in _OUTPUT_KEYS), google.get("maxOutputTokens")):
        if _count(value):
            choices = body.get("n", google.get("candidateCount", 1))
            return value * (choices if _count(choices) else 1)
    return None


def _count(value: Any) -> TypeGuard[int]:
    """A positive integer count (not a bool), at most 10^9."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= 10**9


def _context_window(price_id: str | None, model: str | None) -> int | None:
    if not price_id or not model:
        return None
    from genai_prices import Usage as PriceUsage
    from genai_prices import calc_price

    try:
        window = calc_price(PriceUsage(), model, provider_id=price_id).model.context_window
    except (LookupError, ValueError):
        return None
    return window if isinstance(window, int) and window > 0 else None
