"""Settle the intents whose messages never came back, now (chalicelib.logstore.repair).

    python -m infra.repair_intents [--account ID ...] [--min-age-days D] [--budget-s S]

The scheduled `repair_intents` does the same daily for every account. Reads
AIG_LOGS_TABLE and AIG_CONTROL_TABLE (and the usual AWS settings; for `make run` add
AWS_ENDPOINT_URL=http://127.0.0.1:4566 and the dummy credentials).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict

from chalicelib import aws, wiring
from chalicelib.logstore import MIN_AGE_S, account_ids


def main(argv: list[str] | None = None) -> int:
    """Settle the abandoned intents of some accounts, or of all."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--account", action="append", help="only this account (repeatable)")
    parser.add_argument("--min-age-days", type=float, default=MIN_AGE_S / 86400)
    parser.add_argument("--budget-s", type=float, default=3600, help="stop after this long")
    args = parser.parse_args(argv)
    accounts = args.account or account_ids(aws.table(wiring.settings().control_table))
    report = wiring.intent_repair().repair(
        accounts,
        time.time(),
        time.monotonic() + args.budget_s,
        min_age_s=int(args.min_age_days * 86400),
    )
    print(json.dumps(asdict(report)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
