"""Exact spend limits under concurrency, and what they add to the hot path, in counts.

    .venv/bin/python -m bench.spend [--threads 16] [--requests 12] [--limit 1]

16 threads hammer one gateway whose spend limit is $1 (gpt-4o, each request capped at
`max_tokens` 2,000, so it reserves about $0.02; the fake provider answers with 200 to
2,000 output tokens). Prints the spend admitted (the ledger's settled total, and the sum
of the answers' costs priced as their logs are) against the limit, the overspend, and the
AWS calls per request of the proxy's hot path with and without a limit (botocore event
hooks count every call; moto's speed says nothing about DynamoDB's).
In-process moto, each call atomic as DynamoDB's are.
"""

from __future__ import annotations

import argparse
import collections
import json
import random
import threading
import time
from decimal import Decimal
from typing import Any

import httpx
from moto import mock_aws

from bench.moto_stack import deploy_in_moto
from chalicelib import aws, budget, wiring
from chalicelib.accounts import AccountStore
from chalicelib.cache import ResponseCache
from chalicelib.logstore import DirectLogSink, QueueLogSink, S3BodyStore
from chalicelib.providers import PROVIDERS, Usage
from chalicelib.proxy import (
    GatewayAuth,
    GatewayCache,
    ProxyRequest,
    ProxyService,
    SpendGuard,
    UpstreamClient,
)
from chalicelib.proxy.cost import cost_usd
from chalicelib.ratelimit import RateLimiter
from tests.support.moto import atomic_in_process_calls

MODEL = "gpt-4o"
MAX_TOKENS = 2000
PROMPT_TOKENS = 20
"""The fake's input count: fewer than the request's bytes, as real text."""


class Provider:
    """The fake provider: a chat completion with a random number of output tokens."""

    def __init__(self, seed: int = 7) -> None:
        self._random = random.Random(seed)
        self._lock = threading.Lock()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            tokens_out = self._random.randint(200, MAX_TOKENS)
        body = {
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "created": 1,
            "model": MODEL,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": "ok"},
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": PROMPT_TOKENS, "completion_tokens": tokens_out},
        }
        return httpx.Response(200, json=body)


class Calls:
    """Counts AWS calls by operation."""

    def __init__(self) -> None:
        self.counts: collections.Counter[str] = collections.Counter()

    def __call__(self, model: Any, **_: Any) -> None:
        self.counts[model.name] += 1


def _service(calls: Calls) -> tuple[ProxyService, AccountStore]:
    config = wiring.settings()
    dynamodb, s3, sqs = aws.client("dynamodb"), aws.client("s3"), aws.client("sqs")
    control = aws.table(config.control_table)
    for client in (dynamodb, s3, sqs, control.meta.client):
        client.meta.events.register("before-call", calls)
    store = AccountStore(control, dynamodb)
    assert config.log_queue_url
    bodies = S3BodyStore(s3, config.bodies_bucket)
    sink = QueueLogSink(sqs, config.log_queue_url, bodies, DirectLogSink(wiring.log_admission()))
    service = ProxyService(
        GatewayCache(store, 60),
        sink,
        UpstreamClient(transport=httpx.MockTransport(Provider())),
        30,
        providers=PROVIDERS,
        limiter=RateLimiter(dynamodb, config.control_table),
        cache=ResponseCache(s3, config.bodies_bucket),
        auth=GatewayAuth(store.account_of_token),
        spend=SpendGuard(budget.Ledger(dynamodb, config.control_table)),
    )
    return service, store


def _request(gateway: str, user: int = 0) -> ProxyRequest:
    body = {
        "model": MODEL,
        "max_tokens": MAX_TOKENS,
        "messages": [{"role": "user", "content": "hi"}],
    }
    headers = {
        "content-type": "application/json",
        "authorization": "Bearer sk-bench",
        "aig-metadata": json.dumps({"user_id": f"u{user}"}),
    }
    return ProxyRequest(
        "bench",
        gateway,
        "openai",
        ["chat", "completions"],
        "POST",
        headers,
        json.dumps(body).encode(),
    )


def _cost(answer_body: bytes) -> Decimal:
    usage = json.loads(answer_body)["usage"]
    priced = cost_usd(
        "openai",
        MODEL,
        Usage(tokens_in=usage["prompt_tokens"], tokens_out=usage["completion_tokens"]),
    )
    assert priced is not None
    return priced


def _per_request(
    service: ProxyService, calls: Calls, gateway: str, n: int = 20
) -> dict[str, float]:
    service.handle(_request(gateway))  # warms the gateway cache
    calls.counts.clear()
    for _ in range(n):
        assert service.handle(_request(gateway)).status == 200
    return {name: count / n for name, count in sorted(calls.counts.items())}


def run(threads: int, requests: int, limit_usd: float) -> None:
    calls = Calls()
    service, store = _service(calls)
    store.create_account("bench", plan="paid")
    rule = {"limit": limit_usd, "limitType": "cost", "window": 86400, "id": "daily"}
    store.create_gateway("bench", "limited", {"spend_limits": {"enabled": True, "rules": [rule]}})
    admitted: list[Decimal] = []
    refused = collections.Counter[int]()
    lock = threading.Lock()

    def hammer() -> None:
        for _ in range(requests):
            answer = service.handle(_request("limited"))
            with lock:
                if answer.status == 200:
                    admitted.append(_cost(answer.body))
                else:
                    refused[answer.status] += 1

    started = time.perf_counter()
    workers = [threading.Thread(target=hammer) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - started
    gateway = store.get_gateway("bench", "limited")
    assert gateway is not None
    (shown,) = wiring.spend_usage(gateway)
    (bucket,) = shown["buckets"]
    maximum = _reservation()
    answered = sum(admitted, Decimal(0))
    limit = Decimal(str(limit_usd))
    print(f"{threads} threads x {requests} requests, spend limit ${limit_usd} per UTC day")
    print(f"  ({elapsed:.1f} s in moto)")
    print(f"  admitted: {len(admitted)}; refused: {dict(refused)}")
    print(f"  spend admitted (ledger, settled): ${bucket['spent']:.6f}")
    print(f"  still reserved: ${bucket['reserved']:.6f}")
    print(f"  spend admitted (answers priced as logged): ${answered:.6f}")
    print(f"  limit: ${limit:.6f}; overspend: ${max(Decimal(0), answered - limit):.6f}")
    print(f"  one request's reservation: ${maximum:.6f}")
    print(f"  budget left unused: ${limit - answered:.6f}")

    store.create_gateway("bench", "open", {})
    store.create_gateway(
        "bench",
        "two-rules",
        {
            "spend_limits": {
                "rules": [
                    {**rule, "limit": 10**6},
                    {
                        **rule,
                        "id": "per-user",
                        "limit": 10**6,
                        "metadata": {"user_id": {"mode": "partition"}},
                    },
                ]
            }
        },
    )
    store.create_gateway(
        "bench", "one-rule", {"spend_limits": {"rules": [{**rule, "limit": 10**6}]}}
    )
    print("hot-path AWS calls per request (queue log sink, gateway settings cached):")
    for name in ("open", "one-rule", "two-rules"):
        counts = _per_request(service, calls, name)
        total = sum(counts.values())
        detail = ", ".join(f"{op} {n:g}" for op, n in counts.items())
        print(f"  {name:10} {total:g} ({detail})")


def _reservation() -> Decimal:
    """What one bench request reserves: its body's bytes as input tokens, MAX_TOKENS out."""
    size = len(_request("limited").body)
    priced = cost_usd("openai", MODEL, Usage(tokens_in=size, tokens_out=MAX_TOKENS))
    assert priced is not None
    return priced


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--requests", type=int, default=12)
    parser.add_argument("--limit", type=float, default=1.0)
    args = parser.parse_args()
    with mock_aws(), atomic_in_process_calls():
        deploy_in_moto(AIG_LOG_SINK="queue")
        run(args.threads, args.requests, args.limit)


if __name__ == "__main__":
    main()
