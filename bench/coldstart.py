"""Cold start of the deployed control plane, in a Lambda-like environment.

    .venv/bin/python -m bench.coldstart [--runs 5] [--package dist/prod/deployment.zip]

Unpacks the deployment package (`make package`; built here when missing) into a scratch
folder and, in fresh interpreters (`python -I -S -B`: no site-packages, no user paths, no
bytecode written, as Lambda's read-only code folder allows none) with only the package and
the standard library on the path (boto3 is in the package, as deployed), times
`import app`, then the first priced request (the cost of a usage through
chalicelib.proxy.cost, which loads the price table). Prints each median of `--runs`.
Targets (issue 13): import <= 300 ms, first priced request <= 150 ms more.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from infra.package import PACKAGE_NAME, ROOT, package

_PROBE = """
import json, sys, time
sys.path.insert(0, {root!r})
start = time.perf_counter()
import app
imported = time.perf_counter()
from chalicelib.providers.usage import Usage
from chalicelib.proxy.cost import cost_usd
cost = cost_usd("openai", "gpt-4o-mini", Usage(tokens_in=1000, tokens_out=200))
priced = time.perf_counter()
assert cost is not None and cost > 0, cost
from chalicelib import telemetry
assert not telemetry.tracer.disabled
print(json.dumps({{"import_ms": (imported - start) * 1e3, "priced_ms": (priced - imported) * 1e3}}))
"""

_ENV = {
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_LAMBDA_FUNCTION_NAME": "bench-coldstart",
    # Set by Lambda: tracing turns on and patches botocore, as in a deployed function
    # (LAMBDA_TASK_ROOT is the unpacked package, filled in by run_once).
    "AIG_LOG_SINK": "queue",
    "AIG_LOG_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/aig-prod-log-queue",
}


def run_once(root: Path) -> dict[str, float]:
    """One fresh interpreter: milliseconds of `import app` and of the first priced call."""
    done = subprocess.run(
        [sys.executable, "-I", "-S", "-B", "-c", _PROBE.format(root=str(root))],
        env={**_ENV, "LAMBDA_TASK_ROOT": str(root)},
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    )
    figures: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def main(argv: list[str] | None = None) -> int:
    """Print the medians (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--package", type=Path, default=ROOT / "dist" / "prod" / PACKAGE_NAME)
    args = parser.parse_args(argv)
    zip_path: Path = args.package
    if not zip_path.exists():
        zip_path = package("prod", ROOT / "dist") / PACKAGE_NAME
    with tempfile.TemporaryDirectory() as scratch:
        with zipfile.ZipFile(zip_path) as package_zip:
            package_zip.extractall(scratch)
        run_once(Path(scratch))  # warm the OS file cache, as a provisioned image would be
        runs = [run_once(Path(scratch)) for _ in range(args.runs)]
    imports = statistics.median(run["import_ms"] for run in runs)
    priced = statistics.median(run["priced_ms"] for run in runs)
    size_mb = zip_path.stat().st_size / 1e6
    print(f"package: {zip_path} ({size_mb:.1f} MB zipped)")
    print(f"import app:           median {imports:6.0f} ms over {args.runs} runs (target <= 300)")
    print(f"first priced request: median {priced:6.0f} ms more           (target <= 150)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
