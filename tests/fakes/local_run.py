"""`python -m infra.local` (what `make run` runs) as a child process, for the end-to-end
tests and the benchmarks: started on free ports, ready once it prints READY_MARKER,
stopped with SIGINT as Ctrl-C stops `make run`."""

from __future__ import annotations

import collections
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass

from infra.local import READY_MARKER, REPO_ROOT, free_port


class LocalRunError(RuntimeError):
    """The runner did not become ready, or did not stop on SIGINT; the message holds its
    output."""


@dataclass
class LocalRun:
    """A running `infra.local` and what its output said."""

    url: str
    aws_endpoint: str
    process: subprocess.Popen[str]
    output: collections.deque[str]

    def stop(self, timeout_s: float = 30) -> int:
        """SIGINT, then the exit code; LocalRunError (after a kill) if it does not stop."""
        self.process.send_signal(signal.SIGINT)
        try:
            return self.process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise LocalRunError("make run's runner did not stop on Ctrl-C") from None


def start_local_run(env: Mapping[str, str], timeout_s: float = 90) -> LocalRun:
    """Start the runner on free ports with `env` over this process's environment; return
    once it is ready, or raise LocalRunError with its output."""
    port, moto_port = free_port(), free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "infra.local"],
        cwd=REPO_ROOT,
        env={
            **os.environ,
            "PORT": str(port),
            "AIG_MOTO_PORT": str(moto_port),
            "PYTHONUNBUFFERED": "1",
            **env,
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output: collections.deque[str] = collections.deque(maxlen=2000)
    ready = threading.Event()

    def drain() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            output.append(line)
            if line.startswith(READY_MARKER):
                ready.set()

    threading.Thread(target=drain, daemon=True).start()
    deadline = time.monotonic() + timeout_s
    while not ready.wait(0.2):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise LocalRunError("the gateway did not start:\n" + "".join(output))
    return LocalRun(f"http://127.0.0.1:{port}", f"http://127.0.0.1:{moto_port}", process, output)
