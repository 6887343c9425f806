"""The log pipeline's consumer under `make run`, in its own process.

    python -m infra.log_poller

Deployed, the batch writer is its own Lambda function behind the SQS trigger; locally
this process stands in for it (`chalice local` and the data plane run no SQS handlers),
so its DynamoDB and S3 work never competes with the proxy for one interpreter. Reads the
same environment as the gateway; stops after the current batch on SIGINT or SIGTERM.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
from types import FrameType

from chalicelib import wiring


def main() -> int:
    """Poll the log queue until SIGINT or SIGTERM."""
    logging.basicConfig(stream=sys.stdout, level=logging.INFO, format="%(message)s")
    stopped = threading.Event()

    def stop(signum: int, frame: FrameType | None) -> None:
        stopped.set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, stop)
    poller = wiring.local_poller()
    print("log poller running", flush=True)
    stopped.wait()
    poller.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
