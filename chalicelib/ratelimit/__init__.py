"""Per-gateway rate limiting (fixed windows, exact sliding log) in the control table.

    limiter = RateLimiter(dynamodb_client, control_table)
    decision = limiter.acquire(account, gateway, limit, interval_s, "sliding")
    if not decision.allowed: ...  # e.g. 429 with Retry-After: decision.retry_after_s

Knows DynamoDB, not HTTP. Item shapes and costs: `items`, `fixed`, `sliding`. Imports
chalicelib.dynamo only.
"""

from chalicelib.ratelimit.decision import RateDecision
from chalicelib.ratelimit.limiter import RateLimiter

__all__ = ["RateDecision", "RateLimiter"]
