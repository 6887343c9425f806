"""Cost of log queries per page, at two gateway sizes: items read and DynamoDB calls.

    .venv/bin/python -m bench.query [--sizes 10000,100000] [--per-page 50]

Seeds one gateway (16 shards) per size with a realistic mix (several providers and
models, 1% failures, metadata on a third, feedback on a few), then runs each query for
two pages (following the cursor) and prints items read (DynamoDB ScannedCount) per
log returned and calls per page. Also the write cost of one log: its item's write units
plus the failure-index write that 1% of logs add. Counts, not seconds: moto's speed says
nothing about DynamoDB's.
"""

from __future__ import annotations

import argparse
import os
import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from moto import mock_aws

from bench.item_size import item_size
from chalicelib import aws
from chalicelib.logstore import (
    HEAD_BYTES,
    Filter,
    LogRecord,
    LogSearch,
    LogSearcher,
    Position,
    make_filter,
    new_log_id,
    partition_key,
    record_item,
    shard_of,
)
from chalicelib.timestamps import iso_utc
from infra.local import deploy_stack

SHARDS = 16
START = datetime(2026, 1, 1, tzinfo=UTC)
MODELS = [
    ("openai", "gpt-4o-mini"),
    ("openai", "gpt-4o"),
    ("openai", "text-embedding-3-small"),
    ("anthropic", "claude-sonnet-4"),
    ("anthropic", "claude-haiku-4"),
    ("google-ai-studio", "gemini-2.0-flash"),
    ("groq", "llama-3.3-70b"),
    ("mistral", "mistral-large"),
    ("deepseek", "deepseek-chat"),
    ("xai", "grok-3"),
]
PROMPT = '{"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Summarize the '


@dataclass
class Figure:
    name: str
    returned: int = 0
    items_read: int = 0
    calls: int = 0
    pages: int = 0


def make_record(index: int, rng: random.Random) -> LogRecord:
    moment = START + timedelta(milliseconds=index * 250)
    provider, model = MODELS[index % len(MODELS)]
    failed = index % 100 == 37  # exactly 1%, spread evenly
    return LogRecord(
        id=new_log_id(moment),
        created_at=iso_utc(moment),
        account_id="bench",
        gateway_id="g",
        provider=provider,
        path="chat/completions",
        status_code=500 if failed else 200,
        success=not failed,
        duration=rng.randint(80, 4000),
        model=model,
        model_type="chat",
        tokens_in=rng.randint(10, 4000),
        tokens_out=rng.randint(1, 800),
        cost=Decimal(rng.randint(1, 50_000)) / Decimal(1_000_000),
        metadata={"user": f"user-{rng.randint(1, 200)}", "env": "prod"} if index % 3 == 0 else {},
        event_id=f"evt-{index}" if index % 5 == 0 else None,
        feedback=rng.choice([1, -1]) if rng.random() < 0.02 else None,
        request_size=rng.randint(1_000, 20_000),
        response_size=rng.randint(1_000, 20_000),
        request_content_type="application/json",
        response_content_type="application/json",
        request_head=(PROMPT + "x" * HEAD_BYTES)[:HEAD_BYTES],
        response_head=('{"id": "chatcmpl-1", "choices": [{"message": {"content": "' + "y" * 128)[
            :HEAD_BYTES
        ],
        request_head_complete=False,
        response_head_complete=False,
        body_key=f"bench/g/{index}",
        user_agent="OpenAI/Python 2.14.0",
    )


def seed(table: Any, size: int) -> tuple[list[LogRecord], float, float]:
    rng = random.Random(size)
    records = [make_record(index, rng) for index in range(size)]
    write_units = 0
    with table.batch_writer() as batch:
        for record in records:
            item = record_item(record, partition_key("bench", "g", shard_of(record.id, SHARDS)))
            units = -(-item_size(item) // 1024)
            write_units += units * (2 if "fail_pk" in item else 1)  # base item + index copy
            batch.put_item(Item=item)
    sizes = sorted(item_size(record_item(r, "bench#g#15")) for r in records[:2000])
    return records, write_units / size, sizes[len(sizes) // 2]


def measure(
    searcher: LogSearcher,
    name: str,
    filters: tuple[Filter, ...],
    search: str | None,
    per_page: int,
    pages: int = 2,
) -> Figure:
    figure = Figure(name)
    query = LogSearch("bench", "g", SHARDS, filters, search)
    after: Position | None = None
    for _ in range(pages):
        page = searcher.page(query, per_page, after)
        figure.pages += 1
        figure.returned += len(page.records)
        figure.items_read += page.stats.items_read
        figure.calls += page.stats.calls
        if page.next_position is None:
            break
        after = page.next_position
    return figure


def _per_log(figure: Figure) -> float:
    return figure.items_read / (figure.returned or figure.pages)


def _calls(figure: Figure) -> float:
    return figure.calls / figure.pages


def queries(records: list[LogRecord]) -> list[tuple[str, tuple[Filter, ...], str | None]]:
    middle = records[len(records) // 4]
    later = records[len(records) // 4 + 1_000]
    return [
        ("newest first, no filter", (), None),
        ("success=false (1%)", (make_filter("success", "eq", [False]),), None),
        ("model=gpt-4o (10%)", (make_filter("model", "eq", ["gpt-4o"]),), None),
        ("metadata.value=prod (33%)", (make_filter("metadata.value", "eq", ["prod"]),), None),
        (
            "time range (1,000 logs)",
            (
                make_filter("created_at", "gte", [middle.created_at]),
                make_filter("created_at", "lte", [later.created_at]),
            ),
            None,
        ),
        ("search 'user-7' (~3.5%)", (), "user-7"),
        ("search, no match", (), "no-such-text"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--per-page", type=int, default=50)
    args = parser.parse_args()
    os.environ.update(
        AWS_DEFAULT_REGION="us-east-1", AWS_ACCESS_KEY_ID="x", AWS_SECRET_ACCESS_KEY="x"
    )
    os.environ.pop("AWS_ENDPOINT_URL", None)
    results: dict[int, list[Figure]] = {}
    for size in (int(s) for s in args.sizes.split(",")):
        with mock_aws():
            aws.reset()
            outputs = deploy_stack(None)
            table = aws.table(outputs["LogsTableName"])
            started = time.monotonic()
            records, write_units, median_size = seed(table, size)
            print(f"\n{size:,} logs seeded in {time.monotonic() - started:.0f} s (moto)")
            print(
                f"  median item size {median_size} bytes; write units per log, index writes"
                f" included: {write_units:.3f} (target <= 2)"
            )
            searcher = LogSearcher(table)
            results[size] = [
                measure(searcher, n, f, s, args.per_page) for n, f, s in queries(records)
            ]
            print(f"  {'query':<28} {'returned':>8} {'read/returned':>14} {'calls/page':>11}")
            for fig in results[size]:
                ratio = fig.items_read / fig.returned if fig.returned else float("inf")
                calls = fig.calls / fig.pages
                note = "" if fig.returned else f"   ({fig.items_read} read, short pages)"
                print(f"  {fig.name:<28} {fig.returned:>8} {ratio:>14.2f} {calls:>11.1f}{note}")
    if len(results) == 2:
        small, large = (results[k] for k in sorted(results))
        print("\nlarge / small: items read per log returned (per page when none), calls per page")
        for a, b in zip(small, large, strict=True):
            print(f"  {a.name:<28} {_per_log(b) / _per_log(a):>6.2f} {_calls(b) / _calls(a):>6.2f}")
    print(
        "\nTargets: newest first <= 1.5 read/returned; success=false <= 3; figures at the large"
        " size within 20% of the small."
    )


if __name__ == "__main__":
    main()
