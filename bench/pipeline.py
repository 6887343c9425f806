"""What one proxied request costs through the whole log pipeline: AWS calls, units, dollars.

    .venv/bin/python -m bench.pipeline [--requests 2000] [--latency-requests 5000]

2,000 by default: a 10,000-request drain did not finish within 50 minutes in moto, which
deep-copies every table on each TransactWriteItems (for its rollback), so the drain slows
as the logs table fills; the per-1,000 figures are the same at 1,000 and 2,000 requests
within 0.5% (the work per batch does not depend on the table's size).

In-process with moto (mock_aws), counting work, never timing moto. Deploys the stack, one
paid account with 3 gateways, the queue log sink (AIG_LOG_SINK=queue). The proxy is built
by wiring (its upstream client given an httpx.MockTransport that answers OpenAI-style chat
completions with usage, 1% errors) and serves seeded requests of 1-20 KB over 5 models and
the 3 gateways. Then the queue is drained with QueuePoller.poll_once, as the batch writer
Lambda would. botocore event hooks on every client count, separately for the hot path (the
proxy) and the drain (the batch writer): API calls, SQS requests as billed (each 64 KB of
payload is one request), S3 PUTs, DynamoDB write units (estimated per transaction action:
1 x ceil(KB) per PutItem, 2 x ceil(KB) per transactional Put, 2 per transactional
Update/Delete/ConditionCheck and 1 per plain Update/Delete on small items, plus the failures
index copy of failed logs), read units (from the items returned), counter-item and rollup
writes. Prints them per 1,000 logs and as US dollars per million logs at us-east-1 prices.

Last, the gateway's own added latency: ProxyService.handle timed with time.perf_counter
against the MockTransport upstream, a sink that does nothing and a fixed gateway (no AWS).
"""

from __future__ import annotations

import argparse
import collections
import json
import math
import random
import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, cast
from unittest import mock

import httpx
from moto import mock_aws

from bench.item_size import item_size
from bench.moto_stack import deploy_in_moto
from chalicelib import aws, dynamo, wiring
from chalicelib.accounts import AccountStore, Gateway
from chalicelib.logstore import LogEntry, QueuePoller, WriteOutcome
from chalicelib.proxy import ProxyRequest, ProxyService, UpstreamClient

ACCOUNT = "bench"
GATEWAYS = ("chat-prod", "support-bot", "batch-jobs")
MODELS = (  # (provider, model, weight)
    ("openai", "gpt-4o-mini", 40),
    ("openai", "gpt-4o", 20),
    ("openai", "gpt-4.1-mini", 20),
    ("groq", "llama-3.3-70b-versatile", 10),
    ("deepseek", "deepseek-chat", 10),
)
ERROR_RATE = 0.01
SQS_CHUNK = 64 * 1024

SQS_PER_MILLION_REQUESTS = 0.40
S3_PER_THOUSAND_PUTS = 0.005
WRU_PER_MILLION = 0.625
RRU_PER_MILLION = 0.125

TARGET_HOT_CALLS = 1.0
TARGET_S3_PUTS = 20.0
TARGET_COUNTER_WRITES = 50.0
TARGET_DOLLARS = 1.50
TARGET_MEDIAN_MS = 1.0

_PROSE = (
    "the customer asked about refund policy for orders shipped after the holiday season and "
    "whether the premium plan includes priority support we need a concise summary of the "
    "conversation below including sentiment action items and any account identifiers "
    "mentioned please answer in json with keys summary sentiment and actions"
)
_WIRE_TYPES = frozenset({"S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS"})


def _plain(item: dict[str, Any]) -> dict[str, Any]:
    """Python values of an item, whether it is in wire format (low-level client) or not."""
    wire = all(
        isinstance(v, dict) and len(v) == 1 and next(iter(v)) in _WIRE_TYPES for v in item.values()
    )
    return dynamo.python_values(item) if wire else item


def _kb(size: int, unit: int = 1024) -> int:
    return max(1, math.ceil(size / unit))


# --- counting AWS work ------------------------------------------------------------------------


@dataclass
class Tally:
    """AWS work of one phase."""

    calls: collections.Counter[str] = field(default_factory=collections.Counter)
    sqs_billed: int = 0
    sqs_bytes: int = 0
    s3_puts: int = 0
    s3_put_bytes: int = 0
    wru_items: int = 0
    wru_small: int = 0
    wru_index: int = 0
    rru: float = 0.0
    account_writes: int = 0
    gateway_writes: int = 0
    rollup_writes: int = 0
    put_sizes: list[int] = field(default_factory=list)

    @property
    def total_calls(self) -> int:
        return sum(self.calls.values())

    @property
    def wru(self) -> int:
        return self.wru_items + self.wru_small + self.wru_index


class AwsMeter:
    """botocore hooks that add each call to the tally of the current phase (None: ignore)."""

    def __init__(self) -> None:
        self.phase: str | None = None
        self.tallies: dict[str, Tally] = collections.defaultdict(Tally)
        self._consistent = False

    def attach(self, client: Any) -> None:
        service = client.meta.service_model.service_id.hyphenize()
        client.meta.events.register(f"before-parameter-build.{service}.*", self.before)
        client.meta.events.register(f"after-call.{service}.*", self.after)

    def before(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        if self.phase is None:
            return
        tally = self.tallies[self.phase]
        service = model.service_model.service_id.hyphenize()
        tally.calls[f"{service} {model.name}"] += 1
        self._consistent = bool(params.get("ConsistentRead"))
        if service == "sqs" and model.name == "SendMessageBatch":
            size = sum(len(entry["MessageBody"].encode()) for entry in params["Entries"])
            tally.sqs_bytes += size
            tally.sqs_billed += _kb(size, SQS_CHUNK)
        elif service == "sqs" and model.name != "ReceiveMessage":  # receives: see after()
            tally.sqs_billed += 1
        elif service == "s3" and model.name == "PutObject":
            tally.s3_puts += 1
            tally.s3_put_bytes += len(params.get("Body", b""))
        elif model.name == "TransactWriteItems":
            for action in params["TransactItems"]:
                self._count_action(tally, action)
        elif model.name == "PutItem":
            item = _plain(params["Item"])
            size = item_size(item)
            tally.put_sizes.append(size)
            tally.wru_items += _kb(size)  # a plain put: 1 WRU per KB (a failed condition too)
            if "fail_pk" in item:
                tally.wru_index += _kb(size)
        elif model.name in ("UpdateItem", "DeleteItem"):
            tally.wru_small += 1  # small items (an intent, a counter)
            self._count_key(tally, params["Key"]["pk"]["S"], params["Key"]["sk"]["S"])
        elif model.name == "BatchWriteItem":
            tally.wru_small += sum(len(r) for r in params["RequestItems"].values())

    def after(self, model: Any, parsed: dict[str, Any], **_: Any) -> None:
        if self.phase is None:
            return
        tally = self.tallies[self.phase]
        if model.name == "ReceiveMessage":
            size = sum(len(m["Body"].encode()) for m in parsed.get("Messages", []))
            tally.sqs_bytes += size
            tally.sqs_billed += _kb(size, SQS_CHUNK)
        elif model.name in ("GetItem", "Query"):
            items = [parsed["Item"]] if "Item" in parsed else parsed.get("Items", [])
            size = sum(item_size(_plain(item)) for item in items)
            tally.rru += _kb(size, 4096) * (1.0 if self._consistent else 0.5)
        elif model.name == "BatchGetItem":
            keys = 0  # each key read costs at least one unit, found or not
            for table in parsed.get("Responses", {}).values():
                keys += sum(_kb(item_size(_plain(item)), 4096) for item in table)
            tally.rru += keys

    def _count_action(self, tally: Tally, action: dict[str, Any]) -> None:
        ((kind, body),) = action.items()
        tally.calls[f"  tx {kind}"] += 1
        if kind == "Put":
            item = _plain(body["Item"])
            size = item_size(item)
            tally.put_sizes.append(size)
            tally.wru_items += 2 * _kb(size)
            if "fail_pk" in item:
                tally.wru_index += _kb(size)  # non-transactional GSI copy, projection ALL
            pk, sk = str(item["pk"]), str(item["sk"])
        else:
            tally.wru_small += 2
            pk, sk = body["Key"]["pk"]["S"], body["Key"]["sk"]["S"]
        self._count_key(tally, pk, sk)

    @staticmethod
    def _count_key(tally: Tally, pk: str, sk: str) -> None:
        tally.account_writes += pk.startswith("ACCOUNT#") and sk == "#ACCOUNT"
        tally.gateway_writes += pk.startswith("ACCOUNT#") and sk.startswith("GATEWAY#")
        tally.rollup_writes += pk.startswith("ROLLUP#")


# --- traffic: requests and the fake provider --------------------------------------------------


def _corpus(rng: random.Random, size: int = 64 * 1024) -> str:
    words = rng.choices(_PROSE.split(), k=size // 5)
    return " ".join(words)[:size]


class Traffic:
    """Seeded, realistic chat-completion requests (1-20 KB) over the models and gateways."""

    def __init__(self, seed: int) -> None:
        self._rng = random.Random(seed)
        self._corpus = _corpus(self._rng)
        self._weights = [weight for _, _, weight in MODELS]

    def requests(self, count: int, gateways: tuple[str, ...]) -> Iterator[ProxyRequest]:
        for index in range(count):
            provider, model, _ = self._rng.choices(MODELS, weights=self._weights)[0]
            headers = {
                "content-type": "application/json",
                "authorization": "Bearer sk-proj-" + "k" * 40,
                "user-agent": "OpenAI/Python 1.82.0",
                "accept": "application/json",
            }
            if index % 3 == 0:
                user = f"user-{self._rng.randint(1, 500)}"
                headers["cf-aig-metadata"] = json.dumps({"user": user, "env": "prod"})
            yield ProxyRequest(
                account_id=ACCOUNT,
                gateway_id=self._rng.choice(gateways),
                provider=provider,
                path_segments=["chat", "completions"],
                method="POST",
                headers=headers,
                body=self._body(model, self._rng.randint(1024, 20 * 1024)),
            )

    def _body(self, model: str, length: int) -> bytes:
        frame = {
            "model": model,
            "messages": [
                {"role": "system", "content": "You are a helpful support assistant."},
                {"role": "user", "content": ""},
            ],
            "temperature": 0.2,
            "max_tokens": 1024,
        }
        room = max(0, length - len(json.dumps(frame)))
        start = self._rng.randrange(0, len(self._corpus) - room)
        frame["messages"][1]["content"] = self._corpus[start : start + room]  # type: ignore[index]
        return json.dumps(frame).encode()


class FakeProvider:
    """MockTransport handler: an OpenAI chat completion with usage, or (1%) an error."""

    def __init__(self, seed: int) -> None:
        self._rng = random.Random(seed)
        self._text = _corpus(self._rng, 8 * 1024)
        self.last_ms = 0.0
        """Time the last answer took to build (the provider's time, not the gateway's)."""

    def __call__(self, request: httpx.Request) -> httpx.Response:
        started = time.perf_counter()
        response = self._answer(request)
        self.last_ms = (time.perf_counter() - started) * 1000
        return response

    def _answer(self, request: httpx.Request) -> httpx.Response:
        headers = {"content-type": "application/json", "x-request-id": "req_0123456789abcdef"}
        if self._rng.random() < ERROR_RATE:
            status = self._rng.choice((429, 500))
            error = {"message": "Rate limit reached" if status == 429 else "Server error"}
            return httpx.Response(status, headers=headers, json={"error": error})
        body = json.loads(request.content)
        prompt_tokens = len(request.content) // 4
        answer = self._text[: self._rng.randint(200, 3000)]
        completion_tokens = len(answer) // 4
        completion = {
            "id": f"chatcmpl-{self._rng.getrandbits(96):024x}",
            "object": "chat.completion",
            "created": 1767225600,
            "model": body["model"],
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": answer, "refusal": None},
                    "logprobs": None,
                    "finish_reason": "stop",
                }
            ],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
                "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
                "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0},
            },
            "service_tier": "default",
            "system_fingerprint": "fp_b376dfbbd5",
        }
        headers["openai-processing-ms"] = str(self._rng.randint(300, 4000))
        return httpx.Response(200, headers=headers, content=json.dumps(completion).encode())


# --- the pipeline run in moto -----------------------------------------------------------------


def deploy() -> dict[str, str]:
    """Stack, account, gateways; the queue sink in the environment; fresh wiring."""
    outputs = deploy_in_moto(AIG_LOG_SINK="queue")
    accounts = wiring.accounts()
    accounts.create_account(ACCOUNT, "paid")
    for gateway in GATEWAYS:
        accounts.create_gateway(ACCOUNT, gateway, {})
    return outputs


def wired_service(transport: httpx.MockTransport) -> ProxyService:
    """wiring.proxy_service() itself, only its UpstreamClient given the mock transport."""
    with mock.patch.object(wiring, "UpstreamClient", lambda: UpstreamClient(transport=transport)):
        return wiring.proxy_service()


def meter_clients(meter: AwsMeter, outputs: dict[str, str]) -> None:
    """Count the calls of the default clients and of the proxy's (hot-path limits)."""
    for limits in (None, wiring.hot_path_limits()):
        for client in (
            aws.client("sqs", limits),
            aws.client("s3", limits),
            aws.client("dynamodb", limits),
            aws.table(outputs["ControlTableName"], limits).meta.client,
        ):
            meter.attach(client)


def serve(service: ProxyService, traffic: Traffic, count: int) -> collections.Counter[str]:
    statuses: collections.Counter[str] = collections.Counter()
    for request in traffic.requests(count, GATEWAYS):
        response = service.handle(request)
        statuses[f"{response.status} {response.headers.get('aig-log-status')}"] += 1
    return statuses


def drain(poller: QueuePoller) -> tuple[int, int]:
    """poll_once until the queue is empty; return (logs stored, batches)."""
    stored = batches = 0
    while (done := poller.poll_once()) > 0:
        stored += done
        batches += 1
    return stored, batches


def run_pipeline(requests: int, meter: AwsMeter) -> tuple[int, int, float]:
    """Serve and drain in moto; return (logs stored, batches, wall seconds in moto)."""
    started = time.monotonic()
    outputs = deploy()
    meter_clients(meter, outputs)
    service = wired_service(httpx.MockTransport(FakeProvider(seed=2)))
    meter.phase = "hot"
    statuses = serve(service, Traffic(seed=1), requests)
    shown = ", ".join(f"{status}={count}" for status, count in sorted(statuses.items()))
    print(f"responses (HTTP status, aig-log-status): {shown}")
    meter.phase = "drain"
    poller = QueuePoller(aws.client("sqs"), outputs["LogQueueUrl"], wiring.batch_writer())
    stored, batches = drain(poller)
    meter.phase = None
    return stored, batches, time.monotonic() - started


# --- gateway latency, no AWS ------------------------------------------------------------------


class NullSink:
    """A sink that does nothing."""

    def write(self, entry: LogEntry) -> WriteOutcome:
        return WriteOutcome.QUEUED


class FixedGateways:
    """AccountStore stand-in: every gateway is the same one."""

    def __init__(self, gateway: Gateway) -> None:
        self._gateway = gateway

    def get_gateway(self, account_id: str, gateway_id: str) -> Gateway | None:
        return self._gateway


def latency_ms(count: int, warmup: int = 500) -> list[float]:
    """Times of ProxyService.handle in ms, less the fake provider's own time (mock upstream,
    null sink, fixed gateway)."""
    provider = FakeProvider(seed=4)
    upstream = UpstreamClient(transport=httpx.MockTransport(provider))
    accounts = cast(AccountStore, FixedGateways(Gateway(id="lat", account_id=ACCOUNT)))
    service = ProxyService(accounts, NullSink(), upstream, 30.0)
    requests = list(Traffic(seed=3).requests(count + warmup, ("lat",)))
    times: list[float] = []
    for index, request in enumerate(requests):
        started = time.perf_counter()
        service.handle(request)
        if index >= warmup:
            times.append((time.perf_counter() - started) * 1000 - provider.last_ms)
    return times


# --- report -----------------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def print_calls(name: str, tally: Tally, per: Callable[[float], float]) -> None:
    print(f"\n{name}: {tally.total_calls - _tx_lines(tally)} AWS calls")
    for call, count in sorted(tally.calls.items()):
        print(f"  {call:<34} {count:>8}   {per(count):9.2f} per 1,000 logs")


def _tx_lines(tally: Tally) -> int:
    return sum(n for call, n in tally.calls.items() if call.startswith("  tx "))


def figure(
    name: str, value: float, target: float | None = None, note: str = "", digits: int = 1
) -> None:
    """One line per figure (with its target and verdict), its note on the next line."""
    judged = f"   target <= {target:g}  {verdict(value <= target)}" if target is not None else ""
    print(f"  {name:<36} {value:10.{digits}f}{judged}")
    if note:
        print(f"      {note}")


def report(requests: int, stored: int, batches: int, hot: Tally, drained: Tally) -> float:
    """Print the per-1,000 figures and the targets; return dollars per million logs."""

    def per(value: float) -> float:
        return value * 1000 / stored

    print_calls("hot path (proxy)", hot, per)
    print_calls("drain (batch writer)", drained, per)
    gets = hot.calls["dynamodb GetItem"]
    print(f"\nper 1,000 logs ({stored:,} stored in {batches} batches):")
    figure(
        "hot-path AWS calls, ordinary request",
        (hot.total_calls - _tx_lines(hot) - gets) / requests,
        TARGET_HOT_CALLS,
        "SendMessage only: the gateway's settings come from the process's cache",
        digits=4,
    )
    figure(
        "  + gateway cache refills per request",
        gets / requests,
        note="one GetItem per gateway per AIG_GATEWAY_CACHE_S (5 s) per process; moto's slow"
        " wall clock inflates it here",
        digits=4,
    )
    sqs = hot.sqs_billed + drained.sqs_billed
    figure(
        "SQS requests (billed, 64 KB chunks)",
        per(sqs),
        note=f"send {per(hot.sqs_billed):.1f}, receive+delete {per(drained.sqs_billed):.1f};"
        f" mean message {hot.sqs_bytes / requests / 1024:.1f} KB (bodies inline, base64)",
    )
    s3 = hot.s3_puts + drained.s3_puts
    figure(
        "S3 PUTs",
        per(s3),
        TARGET_S3_PUTS,
        f"hot path {per(hot.s3_puts):.1f}; batch packs {per(drained.s3_puts):.1f},"
        f" mean {drained.s3_put_bytes / max(drained.s3_puts, 1) / 1024:,.0f} KB",
    )
    sizes = sorted(drained.put_sizes) or [0]
    figure(
        "DynamoDB WRU",
        per(hot.wru + drained.wru),
        note=f"log items and intents {per(drained.wru_items):.1f} (1 x KB per PutItem, 2 x KB per"
        f" transactional Put; median item {sizes[len(sizes) // 2]:,} bytes,"
        f" {sum(s > 1024 for s in sizes) / len(sizes):.0%} over 1 KB)\n      + counters, rollups"
        f" and settlements {per(drained.wru_small):.1f} (2 per transactional Update, 1 per plain"
        f" Update/Delete) + failures index {per(drained.wru_index):.1f} (1 x KB per failed log)",
    )
    figure(
        "DynamoDB RRU",
        per(hot.rru + drained.rru),
        note=f"hot {per(hot.rru):.1f}, drain {per(drained.rru):.1f}"
        " (per 4 KB of items returned: consistent 1, eventual 0.5)",
    )
    transactions = per(drained.calls["dynamodb TransactWriteItems"])
    figure(
        "account-item writes",
        per(hot.account_writes + drained.account_writes),
        TARGET_COUNTER_WRITES,
        f"one per reservation transaction; {transactions:.1f} transactions",
    )
    figure(
        "gateway-item writes (all gateways)",
        per(hot.gateway_writes + drained.gateway_writes),
        TARGET_COUNTER_WRITES,
        "one per reservation transaction",
    )
    figure("rollup writes (pk ROLLUP#)", per(drained.rollup_writes))
    return dollars(stored, sqs, s3, hot.wru + drained.wru, hot.rru + drained.rru)


def dollars(stored: int, sqs: int, s3: int, wru: int, rru: float) -> float:
    million = 1_000_000 / stored
    parts = {
        "SQS": sqs * million * SQS_PER_MILLION_REQUESTS / 1e6,
        "S3 PUT": s3 * million * S3_PER_THOUSAND_PUTS / 1e3,
        "DynamoDB WRU": wru * million * WRU_PER_MILLION / 1e6,
        "DynamoDB RRU": rru * million * RRU_PER_MILLION / 1e6,
    }
    total = sum(parts.values())
    print(
        "\nus-east-1 list prices: SQS standard $0.40 per million requests (64 KB chunks),"
        " S3 PUT $0.005 per 1,000,\n  DynamoDB on-demand $0.625 per million WRU,"
        " $0.125 per million RRU"
    )
    print("US dollars per million logs ingested (storage and the batch writer Lambda excluded):")
    for name, value in parts.items():
        print(f"  {name:<14} ${value:7.3f}")
    verdict_text = verdict(total <= TARGET_DOLLARS)
    print(f"  {'total':<14} ${total:7.3f}   target <= ${TARGET_DOLLARS:.2f}  {verdict_text}")
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2_000)
    parser.add_argument("--latency-requests", type=int, default=5_000)
    args = parser.parse_args()
    meter = AwsMeter()
    with mock_aws():
        stored, batches, seconds = run_pipeline(args.requests, meter)
    print(
        f"{args.requests:,} requests over {len(GATEWAYS)} gateways, {len(MODELS)} models,"
        f" bodies 1-20 KB; {stored:,} logs drained ({seconds:.0f} s wall in moto, not a figure)"
    )
    report(args.requests, stored, batches, meter.tallies["hot"], meter.tallies["drain"])

    times = sorted(latency_ms(args.latency_requests))
    median = statistics.median(times)
    p99 = times[min(len(times) - 1, math.ceil(len(times) * 0.99) - 1)]
    print(
        f"\ngateway's own latency per request (ProxyService.handle, mock upstream, null sink,"
        f" fixed gateway, {len(times):,} requests after 500 warm-up):"
    )
    print(
        f"  median {median:.3f} ms, p99 {p99:.3f} ms"
        f"   target median < {TARGET_MEDIAN_MS:g} ms  {verdict(median < TARGET_MEDIAN_MS)}"
    )
    print("  (the fake provider's time to build each answer is subtracted; no network in it)")


if __name__ == "__main__":
    main()
