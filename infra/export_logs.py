"""Export a gateway's logs of a time range to Parquet now, straight from the log store.

    python -m infra.export_logs --account ID --gateway ID --to DIR|s3://bucket/prefix
        [--start ISO] [--end ISO] [--bodies]

The range (default: the last 24 hours) is widened to whole UTC hours; each hour is one
object under account_id=/gateway_id=/date= (chalicelib.export), replaced when exported
again. Reads AIG_LOGS_TABLE, AIG_CONTROL_TABLE and, with --bodies, AIG_BODIES_BUCKET (and
the usual AWS settings; for `make run` add AWS_ENDPOINT_URL=http://127.0.0.1:4566 and the
dummy credentials). Prints what it wrote as JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from datetime import UTC, datetime, timedelta

from chalicelib import wiring
from chalicelib.export import GatewayNotFound, Window

DEFAULT_SPAN = timedelta(hours=24)


def _moment(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def main(argv: list[str] | None = None) -> int:
    """Export one gateway's range (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--account", required=True)
    parser.add_argument("--gateway", required=True)
    parser.add_argument("--to", required=True, help="a folder, or s3://bucket/prefix")
    parser.add_argument("--start", type=_moment, help="ISO-8601 (naive = UTC)")
    parser.add_argument("--end", type=_moment, help="ISO-8601 (naive = UTC; default now)")
    parser.add_argument("--bodies", action="store_true", help="with request/response bodies")
    args = parser.parse_args(argv)
    end = args.end or datetime.now(UTC)
    window = Window.covering(args.start or end - DEFAULT_SPAN, end)
    try:
        report = wiring.store_export().export_window(
            args.account, args.gateway, window, args.to, with_bodies=args.bodies
        )
    except GatewayNotFound as exc:
        print(exc, file=sys.stderr)
        return 1
    print(
        json.dumps(
            {"start": window.start.isoformat(), "end": window.end.isoformat(), **asdict(report)}
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
