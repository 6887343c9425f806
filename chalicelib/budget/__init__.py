"""Exact spend limits and token rate limits (a gateway's `spend_limits` rules) in the
control table.

    rules = compile_rules(gateway.spend_limits)
    claims = [Claim(bucket, maximum) for each rule whose bucket(request) is not None]
    held = ledger.reserve(spend_pk(account, gateway), claims)   # before the provider call
    if isinstance(held, Refusal): ...                           # 429 (or a fallback model)
    ledger.settle(held, actual_amount_of)                        # after, once

How it stays exact under concurrency, and how a crashed request's reservation expires:
`ledger`. Windows: `windows`; rules and buckets: `rules`; item shapes: `items`. Knows
DynamoDB, not HTTP; imports chalicelib.dynamo and chalicelib.timestamps only.
"""

from chalicelib.budget.items import spend_pk
from chalicelib.budget.ledger import LEASE_S, Claim, Ledger, Refusal, Reservation
from chalicelib.budget.rules import COST, TOKENS, Bucket, Request, Rule, compile_rules, pico_usd
from chalicelib.budget.usage import forget, usage

__all__ = [
    "COST",
    "LEASE_S",
    "TOKENS",
    "Bucket",
    "Claim",
    "Ledger",
    "Refusal",
    "Request",
    "Reservation",
    "Rule",
    "compile_rules",
    "forget",
    "pico_usd",
    "spend_pk",
    "usage",
]
