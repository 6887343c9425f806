"""``FakeUpstreamProcess``: the fake server in a child process, for the duration of a test."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import tempfile
import threading
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import Any

from tests.fakes.upstream.control import GATES_PATH, JOURNAL_PATH
from tests.fakes.upstream.server import BANNER

REPO_ROOT = Path(__file__).resolve().parents[3]


class FakeUpstreamProcess:
    """Runs ``python -m tests.fakes.upstream`` in a subprocess for the duration of a test."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, timeout: float = 10.0) -> None:
        self._command = [sys.executable, "-m", "tests.fakes.upstream"]
        self._command += ["--host", host, "--port", str(port)]
        self._timeout = timeout
        self._process: subprocess.Popen[str] | None = None
        self._stderr: Any = None
        self._url: str | None = None

    @property
    def url(self) -> str:
        """Base URL, e.g. http://127.0.0.1:54321."""
        if self._url is None:
            raise RuntimeError("fake upstream is not running")
        return self._url

    def start(self) -> FakeUpstreamProcess:
        """Launch the server and wait for its LISTENING line."""
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the process
        self._process = subprocess.Popen(
            self._command, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=self._stderr, text=True
        )
        line = self._read_banner(self._process)
        if not line.startswith(BANNER + " "):
            self._abort(self._process, f"no {BANNER} line within {self._timeout}s (got {line!r})")
        self._url = line.split()[1]
        return self

    def _read_banner(self, process: subprocess.Popen[str]) -> str:
        """First stdout line, or '' if it does not come in time."""
        lines: list[str] = []
        assert process.stdout is not None
        reader = threading.Thread(target=lambda: lines.append(process.stdout.readline()))
        reader.daemon = True
        reader.start()
        reader.join(self._timeout)
        return lines[0] if lines else ""

    def _abort(self, process: subprocess.Popen[str], reason: str) -> None:
        """Kill the process and raise with its stderr."""
        process.kill()
        process.wait()
        self._stderr.seek(0)
        stderr = self._stderr.read().decode(errors="replace")
        self._forget(process)
        raise RuntimeError(f"fake upstream failed to start: {reason}\nstderr:\n{stderr}")

    def stop(self) -> int | None:
        """Terminate the server, wait for it and return its exit code (None if not running)."""
        process = self._process
        if process is None:
            return None
        process.terminate()
        try:
            code = process.wait(timeout=self._timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            code = process.wait()
        self._forget(process)
        return code

    def _forget(self, process: subprocess.Popen[str]) -> None:
        """Close the pipes of an exited process and reset the state."""
        if process.stdout is not None:
            process.stdout.close()
        self._stderr.close()
        self._process, self._stderr, self._url = None, None, None

    def requests(self) -> list[dict[str, Any]]:
        """Journal entries, oldest first, with ``body`` decoded to bytes."""
        with urllib.request.urlopen(self.url + JOURNAL_PATH, timeout=self._timeout) as response:
            entries = json.load(response)
        return [{**entry, "body": base64.b64decode(entry["body"])} for entry in entries]

    def clear(self) -> None:
        """Empty the journal."""
        request = urllib.request.Request(self.url + JOURNAL_PATH, method="DELETE")
        with urllib.request.urlopen(request, timeout=self._timeout):
            pass

    def release(self, name: str) -> dict[str, Any]:
        """Open gate ``name`` (``x-fake-gate``); its state before the stream resumes."""
        request = urllib.request.Request(self.url + GATES_PATH + name, method="POST")
        with urllib.request.urlopen(request, timeout=self._timeout) as response:
            return dict(json.load(response))

    def gate(self, name: str) -> dict[str, Any]:
        """Where the stream gated by ``name`` stands: ``waiting``, ``released``, ``sent``
        (events written) and ``outcome`` (None while it runs)."""
        with urllib.request.urlopen(self.url + GATES_PATH + name, timeout=self._timeout) as r:
            return dict(json.load(r))

    def __enter__(self) -> FakeUpstreamProcess:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
