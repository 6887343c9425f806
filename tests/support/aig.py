"""Running the `aig` console script (installed by `make install`) as the user would."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO

import pytest

TIMEOUT_S = 60


def aig_script() -> Path:
    """The console script next to this interpreter; the test fails when it is missing."""
    script = Path(sys.executable).parent / "aig"
    if not script.exists():
        pytest.fail(f"{script} is missing: `make install` installs the aig console script")
    return script


def _environment(env: Mapping[str, str]) -> dict[str, str]:
    """This process's environment without AIG_* settings, plus `env`."""
    clean = {name: value for name, value in os.environ.items() if not name.startswith("AIG_")}
    return {**clean, **env}


def run_aig(
    args: Sequence[str], env: Mapping[str, str], input: str = "", module: bool = False
) -> subprocess.CompletedProcess[str]:
    """`aig args...` (or `python -m aig_cli args...`), its output captured."""
    command = [sys.executable, "-m", "aig_cli"] if module else [str(aig_script())]
    return subprocess.run(
        [*command, *args],
        env=_environment(env),
        input=input,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
    )


class Aig:
    """`aig` with a base environment (AIG_BASE_URL, AIG_TOKEN, ...)."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = dict(env)

    def __call__(
        self, *args: str, env: Mapping[str, str] | None = None, input: str = ""
    ) -> subprocess.CompletedProcess[str]:
        return run_aig(args, {**self.env, **(env or {})}, input)


class Running:
    """An `aig` process still running, its output read as it comes."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process = process
        self._out: list[str] = []
        self._err: list[str] = []
        self._threads = [
            threading.Thread(target=_drain, args=(process.stdout, self._out), daemon=True),
            threading.Thread(target=_drain, args=(process.stderr, self._err), daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    @property
    def returncode(self) -> int | None:
        return self.process.returncode

    def wait_for_stdout(self, text: str, timeout_s: float = 20) -> None:
        self._wait_for(self._out, text, timeout_s)

    def wait_for_stderr(self, text: str, timeout_s: float = 20) -> None:
        self._wait_for(self._err, text, timeout_s)

    def finish(self, timeout: float) -> tuple[str, str]:
        """Wait for the process to end; its whole stdout and stderr."""
        self.process.wait(timeout=timeout)
        for thread in self._threads:
            thread.join(timeout=5)
        return "".join(self._out), "".join(self._err)

    def _wait_for(self, lines: list[str], text: str, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while text not in "".join(lines):
            if self.process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"aig never printed {text!r}: {''.join(self._out + self._err)}")
            time.sleep(0.05)


def _drain(stream: IO[str] | None, into: list[str]) -> None:
    assert stream is not None
    for line in stream:
        into.append(line)


@contextlib.contextmanager
def start_aig(aig: Aig, *args: str) -> Iterator[Running]:
    """`aig args...` in the background; killed if still running at the end."""
    process = subprocess.Popen(
        [str(aig_script()), *args],
        env=_environment(aig.env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        yield Running(process)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
