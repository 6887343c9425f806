"""The streaming data plane as `make run` serves it: first token, added latency, throughput,
memory; each figure side by side with the fake provider called directly.

    .venv/bin/python -m bench.dataplane [--runs 10] [--requests 300] [--seconds 10]
                                        [--concurrency 8] [--stream-mb 100]

Starts the fake upstream (tests/fakes/upstream/) and `python -m infra.local` (moto
server, the stack, gunicorn: 1 gthread worker serving the data plane) on free ports with
make run's defaults (logs through the queue and the local poller thread). Each measurement is
made twice the same way, through the gateway and to the fake directly, so the difference
is what the gateway adds on this machine, where clients, gateway, moto and fake
share the cores. Targets are printed next to the figures, never asserted.

- time to first token: OpenAI SDK streams whose events the fake paces 100 ms apart
  (`x-fake-pace-ms`); the time to the first chunk with content, median of --runs;
- added latency: --requests sequential non-streamed chat completions on one keep-alive
  client each way, interleaved; percentiles of the gateway minus the same of direct; then
  again with `aig-collect-log: false`, and one SQS SendMessage to the moto server alone
  (the queue sink's call, on the hot path of every answer the gateway buffers);
- throughput: --concurrency threads, one httpx client each, for --seconds each way (and
  through the gateway with `aig-collect-log: false`, and SQS SendMessage calls to moto
  alone from as many threads: what logging through moto allows at most);
- memory: VmRSS of the gunicorn worker (found under the infra.local process through
  /proc/*/stat) before and after relaying a --stream-mb streamed answer, twice;
- litellm (optional) is not measured: its row says skipped, and why.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import importlib.util
import os
import statistics
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import httpx
import openai

from infra.local import DUMMY_CREDENTIALS, REGION
from tests.fakes.local_run import start_local_run
from tests.fakes.upstream import FakeUpstreamProcess

TOKEN = "bench-admin-token"
ACCOUNT, GATEWAY = "demo", "default"
MODEL = "gpt-4o-mini"
CLIENT_KEY = "sk-bench-dataplane"
PACE_MS = 100
STARTUP_TIMEOUT_S = 120
MB = 1024 * 1024
NO_LOG = {"aig-collect-log": "false"}

TARGET_FIRST_TOKEN_MS = 20.0
TARGET_P50_MS = 5.0
TARGET_P99_MS = 25.0
TARGET_RPS = 150.0
TARGET_RSS_GROWTH_MB = 50.0


@dataclass
class Stack:
    """The running `make run` stack and the fake provider behind it."""

    url: str
    fake: str
    aws_endpoint: str
    runner_pid: int
    output: collections.deque[str]

    @property
    def gateway_openai(self) -> str:
        return f"{self.url}/v1/{ACCOUNT}/{GATEWAY}/openai"

    @property
    def direct_openai(self) -> str:
        return f"{self.fake}/openai/v1"


@contextlib.contextmanager
def local_stack(fake: FakeUpstreamProcess) -> Iterator[Stack]:
    """`python -m infra.local` on free ports with the providers faked; Ctrl-C'd at the end."""
    run = start_local_run(
        {
            "AIG_ADMIN_TOKEN": TOKEN,
            "AIG_PROVIDER_URL_OPENAI": f"{fake.url}/openai/v1",
            "AIG_PROVIDER_URL_ANTHROPIC": f"{fake.url}/anthropic",
        },
        STARTUP_TIMEOUT_S,
    )
    try:
        yield Stack(run.url, fake.url, run.aws_endpoint, run.process.pid, run.output)
    finally:
        run.stop()


# --- the gunicorn worker's memory -------------------------------------------------------------


def _children(pid: int) -> list[int]:
    """Processes whose parent is `pid` (field 4 of /proc/*/stat)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                found.append(int(stat.parent.name))
    return found


def _cmdline(pid: int) -> str:
    with contextlib.suppress(OSError):
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    return ""


def gunicorn_worker(runner_pid: int) -> int:
    """The worker: the child of the gunicorn master, itself a child of infra.local."""
    masters = [pid for pid in _children(runner_pid) if "gunicorn" in _cmdline(pid)]
    workers = [pid for master in masters for pid in _children(master)]
    if len(workers) != 1:
        raise RuntimeError(f"expected one gunicorn worker, found {workers} under {masters}")
    return workers[0]


def memory_mb(pid: int, field: str = "VmRSS") -> float:
    """A memory figure of /proc/<pid>/status (kB there), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} for process {pid}")


# --- measurements -----------------------------------------------------------------------------


def _chat(text: str, stream: bool = False) -> dict[str, object]:
    body: dict[str, object] = {"model": MODEL, "messages": [{"role": "user", "content": text}]}
    if stream:
        body.update(stream=True, stream_options={"include_usage": True})
    return body


def first_token_ms(client: openai.OpenAI) -> float:
    """Milliseconds to the first chunk with content, events paced PACE_MS apart (the whole
    answer is read, so the gateway's relay ends normally)."""
    started = time.perf_counter()
    first = None
    stream = client.chat.completions.create(
        model=MODEL,
        messages=[{"role": "user", "content": "hi"}],
        stream=True,
        extra_headers={"x-fake-pace-ms": str(PACE_MS)},
    )
    for chunk in stream:
        if first is None and chunk.choices and chunk.choices[0].delta.content:
            first = (time.perf_counter() - started) * 1000
    assert first is not None, "no content chunk"
    return first


def timed_post(client: httpx.Client, url: str, body: dict[str, object]) -> float:
    """Milliseconds for one complete non-streamed answer."""
    started = time.perf_counter()
    response = client.post(url, json=body)
    response.read()
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"{url}: {response.status_code} {response.text[:200]}")
    return elapsed


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def _bench_queue(stack: Stack) -> tuple[Any, str]:
    """An SQS client on the stack's moto server and a queue made for the bench (the log
    queue is left alone)."""
    sqs = boto3.client(
        "sqs", endpoint_url=stack.aws_endpoint, region_name=REGION, **DUMMY_CREDENTIALS
    )
    return sqs, sqs.create_queue(QueueName="bench-dataplane")["QueueUrl"]


def sqs_send_ms(stack: Stack, count: int) -> list[float]:
    """Milliseconds of `count` sequential SendMessage calls (2 KB) to moto."""
    sqs, queue = _bench_queue(stack)
    timings = []
    for _ in range(count):
        started = time.perf_counter()
        sqs.send_message(QueueUrl=queue, MessageBody="x" * 2048)
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def sqs_sends_per_s(stack: Stack, concurrency: int, seconds: float) -> float:
    """SendMessage calls (2 KB) per second that moto completes for `concurrency` threads."""
    sqs, queue = _bench_queue(stack)
    done = [0] * concurrency
    deadline = time.perf_counter() + seconds

    def work(index: int) -> None:
        while time.perf_counter() < deadline:
            sqs.send_message(QueueUrl=queue, MessageBody="x" * 2048)
            done[index] += 1

    started = time.perf_counter()
    threads = [threading.Thread(target=work, args=(i,)) for i in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done) / (time.perf_counter() - started)


def throughput(
    url: str, concurrency: int, seconds: float, headers: dict[str, str] | None = None
) -> tuple[int, int, float]:
    """Completed requests, failed ones and the seconds taken, for `concurrency` threads
    posting non-streamed chat completions for `seconds`."""
    done, failed = [0] * concurrency, [0] * concurrency
    barrier = threading.Barrier(concurrency + 1)
    deadline = [0.0]

    def work(index: int) -> None:
        body = _chat(f"throughput {index}")
        auth = {"authorization": f"Bearer {CLIENT_KEY}", **(headers or {})}
        with httpx.Client(headers=auth, timeout=60) as c:
            c.post(url, json=body)  # connect before the clock starts
            barrier.wait()
            while time.perf_counter() < deadline[0]:
                response = c.post(url, json=body)
                if response.status_code == 200:
                    done[index] += 1
                else:
                    failed[index] += 1

    threads = [threading.Thread(target=work, args=(i,)) for i in range(concurrency)]
    for thread in threads:
        thread.start()
    started = time.perf_counter()
    deadline[0] = started + seconds
    barrier.wait()
    for thread in threads:
        thread.join()
    return sum(done), sum(failed), time.perf_counter() - started


def stream_bytes(url: str, size: int) -> tuple[int, float]:
    """Read and discard a streamed answer of `size` bytes; (bytes received, seconds)."""
    headers = {"authorization": f"Bearer {CLIENT_KEY}", "x-fake-stream-bytes": str(size)}
    received = 0
    started = time.perf_counter()
    with httpx.stream(
        "POST", url, json=_chat("a large answer", stream=True), headers=headers, timeout=120
    ) as response:
        for chunk in response.iter_raw():
            received += len(chunk)
    return received, time.perf_counter() - started


def stored_logs(stack: Stack) -> int:
    response = httpx.get(
        f"{stack.url}/accounts/{ACCOUNT}/ai-gateway/gateways/{GATEWAY}",
        headers={"authorization": f"Bearer {TOKEN}"},
        timeout=30,
    )
    response.raise_for_status()
    return int(response.json()["result"]["stored_logs"])


# --- report -----------------------------------------------------------------------------------


class Table:
    """Rows of figures: gateway, direct, added, target, met."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, ...]] = []

    def add(
        self, name: str, gateway: str, direct: str, added: str, target: str, met: bool | None
    ) -> None:
        verdict = "" if met is None else ("yes" if met else "NO")
        self.rows.append((name, gateway, direct, added, target, verdict))

    def print(self) -> None:
        head = ("", "gateway", "direct", "added", "target", "met")
        widths = [max(len(row[i]) for row in [head, *self.rows]) for i in range(len(head))]
        for row in [head, *self.rows]:
            print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))


def step(title: str) -> None:
    print(f"... {title}", flush=True)


class Bench:
    """The measurements, each adding its rows to `table`; `sent` counts the logged requests."""

    def __init__(self, stack: Stack, args: argparse.Namespace, table: Table) -> None:
        self.stack, self.args, self.table = stack, args, table
        self.gw_chat = stack.gateway_openai + "/chat/completions"
        self.direct_chat = stack.direct_openai + "/chat/completions"
        self.sent = 0

    def run(self) -> None:
        self.first_token()
        self.memory()
        self.latency()
        self.throughput()
        self.logs_drained()

    def first_token(self) -> None:
        runs = self.args.runs
        step(f"time to first token, {runs} runs each way")
        sdk = {
            name: openai.OpenAI(base_url=base, api_key=CLIENT_KEY, max_retries=0)
            for name, base in (
                ("gateway", self.stack.gateway_openai),
                ("direct", self.stack.direct_openai),
            )
        }
        first_token_ms(sdk["gateway"]), first_token_ms(sdk["direct"])  # warm up
        firsts: dict[str, list[float]] = {"gateway": [], "direct": []}
        for _ in range(runs):
            for name, client in sdk.items():
                firsts[name].append(first_token_ms(client))
        self.sent += runs + 1
        gw, direct = statistics.median(firsts["gateway"]), statistics.median(firsts["direct"])
        self.table.add(
            f"first token, events {PACE_MS} ms apart (median of {runs})",
            f"{gw:.1f} ms",
            f"{direct:.1f} ms",
            f"{gw - direct:+.1f} ms",
            f"<= direct + {TARGET_FIRST_TOKEN_MS:g} ms",
            gw <= direct + TARGET_FIRST_TOKEN_MS,
        )

    def memory(self) -> None:
        mb = self.args.stream_mb
        step(f"memory: relaying {mb} MB twice")
        worker = gunicorn_worker(self.stack.runner_pid)
        size = mb * MB
        before = memory_mb(worker)
        got, relay_s = stream_bytes(self.gw_chat, size)
        after_one = memory_mb(worker)
        got_again, _ = stream_bytes(self.gw_chat, size)
        after_two, peak = memory_mb(worker), memory_mb(worker, "VmHWM")
        _, direct_s = stream_bytes(self.direct_chat, size)
        self.sent += 2
        if got != size or got_again != size:
            print(f"warning: the streams gave {got} and {got_again} bytes, not {size}")
        self.table.add(
            f"{mb} MB stream, read and dropped",
            f"{relay_s:.2f} s ({size / MB / relay_s:.0f} MB/s)",
            f"{direct_s:.2f} s",
            f"{relay_s - direct_s:+.2f} s",
            "",
            None,
        )
        growth = after_two - before
        self.table.add(
            "worker RSS before / after 1st / after 2nd",
            f"{before:.0f} / {after_one:.0f} / {after_two:.0f} MB",
            "",
            f"{growth:+.1f} MB",
            f"< {TARGET_RSS_GROWTH_MB:g} MB growth",
            growth < TARGET_RSS_GROWTH_MB,
        )
        self.table.add("worker peak RSS (VmHWM)", f"{peak:.0f} MB", "", "", "", None)

    def latency(self) -> None:
        requests = self.args.requests
        step(f"sequential latency, {requests} requests each way, logging on then off")
        body = _chat("how much does the gateway add")
        auth = {"authorization": f"Bearer {CLIENT_KEY}"}
        timings: dict[str, list[float]] = {"gateway": [], "direct": [], "no log": []}
        with httpx.Client(headers=auth, timeout=60) as gw, httpx.Client(timeout=60) as direct:
            for _ in range(20):  # warm up: connections, the gateway's settings cache
                timed_post(gw, self.gw_chat, body), timed_post(direct, self.direct_chat, body)
            for _ in range(requests):
                timings["gateway"].append(timed_post(gw, self.gw_chat, body))
                timings["direct"].append(timed_post(direct, self.direct_chat, body))
            gw.headers.update(NO_LOG)
            for _ in range(requests):
                timings["no log"].append(timed_post(gw, self.gw_chat, body))
        self.sent += 20 + requests
        rows = [
            ("gateway", q, f"latency p{q}, {requests} sequential (logging on)", target)
            for q, target in ((50, TARGET_P50_MS), (99, TARGET_P99_MS))
        ] + [("no log", q, f"latency p{q}, same, aig-collect-log: false", None) for q in (50, 99)]
        for name, q, title, target in rows:
            gw_ms, direct_ms = percentile(timings[name], q), percentile(timings["direct"], q)
            added = gw_ms - direct_ms
            self.table.add(
                title,
                f"{gw_ms:.2f} ms",
                f"{direct_ms:.2f} ms",
                f"{added:+.2f} ms",
                "" if target is None else f"added <= {target:g} ms",
                None if target is None else added <= target,
            )
        sends = sqs_send_ms(self.stack, requests)
        self.table.add(
            "one SQS SendMessage to moto, p50 / p99",
            f"{percentile(sends, 50):.2f} / {percentile(sends, 99):.2f} ms",
            "",
            "",
            "(the queue sink's call)",
            None,
        )

    def throughput(self) -> None:
        concurrency, seconds = self.args.concurrency, self.args.seconds
        step(f"throughput, concurrency {concurrency}, {seconds:g} s each way")
        gw_done, gw_failed, gw_s = throughput(self.gw_chat, concurrency, seconds)
        direct_done, direct_failed, direct_s = throughput(self.direct_chat, concurrency, seconds)
        quiet_done, quiet_failed, quiet_s = throughput(self.gw_chat, concurrency, seconds, NO_LOG)
        self.sent += gw_done + gw_failed + concurrency  # and one warm-up call per thread
        gw_rps, direct_rps, quiet_rps = gw_done / gw_s, direct_done / direct_s, quiet_done / quiet_s
        direct = f"{direct_rps:.0f} req/s" + (f", {direct_failed} failed" if direct_failed else "")
        self.table.add(
            f"throughput, concurrency {concurrency} (logging on)",
            f"{gw_rps:.0f} req/s" + (f", {gw_failed} failed" if gw_failed else ""),
            direct,
            "",
            f">= {TARGET_RPS:g} req/s",
            gw_rps >= TARGET_RPS and not gw_failed,
        )
        self.table.add(
            "throughput, same, aig-collect-log: false",
            f"{quiet_rps:.0f} req/s" + (f", {quiet_failed} failed" if quiet_failed else ""),
            direct,
            "",
            "",
            None,
        )
        sends = sqs_sends_per_s(self.stack, concurrency, min(seconds, 5.0))
        self.table.add(
            f"SQS SendMessage to moto alone, concurrency {concurrency}",
            f"{sends:.0f} calls/s",
            "",
            "",
            "(the ceiling of logging on)",
            None,
        )

    def logs_drained(self) -> None:
        step("waiting for the queue poller to store the logs")
        started = time.monotonic()
        stored = stored_logs(self.stack)
        while stored < self.sent and time.monotonic() - started < self.args.drain_s:
            time.sleep(1)
            stored = stored_logs(self.stack)
        self.table.add(
            "logs stored by the poller after the last request",
            f"{stored} of {self.sent} in {time.monotonic() - started:.0f} s",
            "",
            "",
            "",
            None,
        )


def litellm_row(table: Table) -> None:
    if importlib.util.find_spec("litellm") is None:
        table.add("litellm proxy", "skipped: litellm is not installed", "", "", "", None)
        return
    table.add("litellm proxy", "skipped: importable, but not measured here", "", "", "", None)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--stream-mb", type=int, default=100)
    parser.add_argument("--drain-s", type=float, default=60.0, help="wait for the logs this long")
    args = parser.parse_args(argv)
    table = Table()
    with FakeUpstreamProcess() as fake, local_stack(fake) as stack:
        step(f"gateway {stack.url}, fake provider {stack.fake}")
        Bench(stack, args, table).run()
    litellm_row(table)
    cores = os.cpu_count()
    print(
        f"\nThe data plane under `make run` (gunicorn gthread, 1 worker; logs: queue + poller),"
        f" {cores} cores shared by the clients, the gateway, moto and the fake provider;"
        f" Python {sys.version.split()[0]}.\n"
    )
    table.print()


if __name__ == "__main__":
    main()
