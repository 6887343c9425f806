"""The log export: logs per second and Parquet bytes per log, at 100,000 logs.

    .venv/bin/python -m bench.export [--logs 100000] [--hours 10] [--body-logs 10000]

In-process with moto (mock_aws): deploys the stack, seeds one gateway (16 shards) with
`--logs` logs spread over `--hours` hours (a realistic mix: five models, 1% failures, usage
on 95%, metadata on a third, 128-byte heads), then exports the window straight from the
store (StoreExport, metadata only) to an S3 prefix, as the hourly export does, and prints:

- logs per second through the whole export (moto's DynamoDB and S3 included: a floor, not
  AWS's speed), and DynamoDB Query calls per 1,000 logs (the store's side, in counts);
- logs per second of the Parquet side alone (API-form records to zstd Parquet, no AWS),
  what the export function's CPU spends per log;
- Parquet bytes per log without bodies, and with bodies (`--body-logs` logs with chat-sized
  request and response bodies, 0.5-8 KB of JSON each, through export_records).
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from moto import mock_aws

from bench.moto_stack import deploy_in_moto
from chalicelib import aws, wiring
from chalicelib.accounts import AccountStore
from chalicelib.export import S3Prefix, Window, export_records
from chalicelib.logstore import (
    LogRecord,
    new_log_id,
    partition_key,
    record_item,
    record_json,
    shard_of,
)
from chalicelib.timestamps import iso_utc

ACCOUNT, GATEWAY, SHARDS = "bench", "chat-prod", 16
START = datetime(2026, 6, 1, tzinfo=UTC)
MODELS = (  # provider, model, USD per 1k tokens in, out
    ("openai", "gpt-4o-mini", 0.00015, 0.0006),
    ("openai", "gpt-4o", 0.0025, 0.01),
    ("anthropic", "claude-sonnet-4", 0.003, 0.015),
    ("groq", "llama-3.3-70b-versatile", 0.00059, 0.00079),
    ("google-ai-studio", "gemini-2.0-flash", 0.0001, 0.0004),
)
_WORDS = ("refund", "order", "premium", "support", "summary", "sentiment", "account", "reply")


def _record(index: int, moment: datetime, rng: random.Random) -> LogRecord:
    provider, model, price_in, price_out = rng.choice(MODELS)
    known = rng.random() < 0.95
    tokens_in = rng.randint(20, 4000) if known else None
    tokens_out = rng.randint(1, 900) if known else None
    cost = (
        Decimal(f"{(tokens_in or 0) * price_in / 1000 + (tokens_out or 0) * price_out / 1000:.9f}")
        if known
        else None
    )
    ok = rng.random() > 0.01
    prompt = " ".join(rng.choices(_WORDS, k=40))
    return LogRecord(
        id=new_log_id(moment),
        created_at=iso_utc(moment),
        account_id=ACCOUNT,
        gateway_id=GATEWAY,
        provider=provider,
        path="chat/completions",
        status_code=200 if ok else rng.choice([429, 500]),
        success=ok,
        duration=rng.randint(150, 9000),
        model=model,
        model_type="chat",
        tokens_in=tokens_in,
        tokens_out=tokens_out,
        cost=cost,
        time_to_first_token=rng.randint(80, 900),
        metadata={"user": f"u{rng.randint(1, 500)}", "team": "support"} if index % 3 == 0 else {},
        event_id=f"ev-{index}" if index % 7 == 0 else None,
        request_size=rng.randint(500, 8000),
        response_size=rng.randint(300, 6000),
        request_content_type="application/json",
        response_content_type="application/json",
        request_head=json.dumps({"model": model, "messages": [{"content": prompt}]})[:128],
        response_head=json.dumps({"id": f"chatcmpl-{index}", "choices": [prompt]})[:128],
        request_head_complete=False,
        response_head_complete=False,
        user_agent="OpenAI/Python 1.82.0",
    )


def _records(count: int, hours: int, rng: random.Random) -> list[LogRecord]:
    span_ms = hours * 3600 * 1000
    moments = sorted(START + timedelta(milliseconds=rng.randrange(span_ms)) for _ in range(count))
    return [_record(index, moment, rng) for index, moment in enumerate(moments)]


def _seed(records: list[LogRecord]) -> None:
    table = aws.table(wiring.settings().logs_table)
    with table.batch_writer() as batch:
        for record in records:
            pk = partition_key(ACCOUNT, GATEWAY, shard_of(record.id, SHARDS))
            batch.put_item(Item=record_item(record, pk))


def _bodies(record: dict[str, Any], rng: random.Random) -> tuple[bytes, bytes]:
    def text(size: int) -> str:
        return " ".join(rng.choices(_WORDS, k=size // 7))

    request = {
        "model": record["model"],
        "messages": [{"role": "user", "content": text(rng.randint(400, 7000))}],
    }
    response = {
        "id": record["id"],
        "choices": [{"message": {"content": text(rng.randint(400, 7000))}}],
        "usage": {"prompt_tokens": record["tokens_in"]},
    }
    return json.dumps(request).encode(), json.dumps(response).encode()


def main() -> None:
    """Seed, export, print the figures (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--logs", type=int, default=100_000)
    parser.add_argument("--hours", type=int, default=10)
    parser.add_argument("--body-logs", type=int, default=10_000)
    args = parser.parse_args()
    rng = random.Random(14)
    window = Window(START, START + timedelta(hours=args.hours))
    with mock_aws():
        deploy_in_moto()
        config = wiring.settings()
        accounts = AccountStore(aws.table(config.control_table), aws.client("dynamodb"))
        accounts.create_account(ACCOUNT, plan="paid")
        accounts.create_gateway(ACCOUNT, GATEWAY, {})
        records = _records(args.logs, args.hours, rng)
        began = time.perf_counter()
        _seed(records)
        print(f"seeded {len(records):,} logs in moto in {time.perf_counter() - began:.0f} s")

        queries = 0

        def count(**_: Any) -> None:
            nonlocal queries
            queries += 1

        client = aws.table(config.logs_table).meta.client
        client.meta.events.register("before-call.dynamodb.Query", count)
        s3_prefix = S3Prefix(aws.client("s3"), config.bodies_bucket, "exports/logs")
        began = time.perf_counter()
        report = wiring.store_export().export_window(ACCOUNT, GATEWAY, window, s3_prefix)
        store_s = time.perf_counter() - began
        assert report.logs == len(records), report

        forms = [record_json(record) for record in records]
        with tempfile.TemporaryDirectory() as folder:
            began = time.perf_counter()
            alone = export_records(
                forms, account_id=ACCOUNT, gateway_id=GATEWAY, window=window, destination=folder
            )
            parquet_s = time.perf_counter() - began
            sample = forms[: args.body_logs]
            bodies = {form["id"]: _bodies(form, rng) for form in sample}
            raw = sum(len(a) + len(b) for a, b in bodies.values()) / len(sample)
            with_bodies = export_records(
                sample,
                account_id=ACCOUNT,
                gateway_id=GATEWAY,
                window=window,
                destination=folder,
                bodies=bodies.get,
            )
    logs = report.logs
    print(
        f"export from the store (moto), {logs:,} logs in {args.hours} hourly files: "
        f"{logs / store_s:,.0f} logs/s ({store_s:.1f} s), "
        f"{queries * 1000 / logs:.1f} DynamoDB Query calls per 1,000 logs"
    )
    print(f"Parquet alone (API form -> zstd Parquet, no AWS): {logs / parquet_s:,.0f} logs/s")
    print(
        f"Parquet bytes per log: {report.bytes / logs:,.0f} without bodies "
        f"({report.bytes / 2**20:.1f} MiB for {logs:,} logs; same as the local run: "
        f"{alone.bytes == report.bytes})"
    )
    print(
        f"with bodies ({with_bodies.logs:,} logs, bodies {raw:,.0f} bytes each on average): "
        f"{with_bodies.bytes / with_bodies.logs:,.0f} bytes per log"
    )


if __name__ == "__main__":
    main()
