"""Local runner behind `make run`: moto server + the stack of infra/template.yaml + the gateway
(gunicorn serving infra/gateway_app.py: the streaming data plane and the Chalice app).

    python -m infra.local

Environment: PORT (gateway, default 8000), AIG_MOTO_PORT (moto server, default 4566),
AIG_ADMIN_TOKEN (management API token of the seeded `demo` account, default
`local-dev-token`). Everything else in the environment (e.g. AIG_PROVIDER_URL_OPENAI)
passes through to the gateway process.
"""

from __future__ import annotations

import collections
import contextlib
import ctypes
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import FrameType, TracebackType
from typing import IO, Any

import boto3

REPO_ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_PATH = Path(__file__).resolve().with_name("template.yaml")
REGION = "us-east-1"
DUMMY_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
READY_MARKER = "AIG_GATEWAY_READY"
DEMO_ACCOUNT = "demo"
DEMO_GATEWAY = "default"
DEFAULT_ADMIN_TOKEN = "local-dev-token"

# Logs go through the queue and the poller process, as they would through SQS and Lambda;
# AIG_LOG_SINK=direct in the environment writes them before each response instead.
# The moto server serves one call per service at a time, so under load a call may wait
# seconds for its turn: the proxy's AWS calls get a longer timeout than in AWS (2 s).
# The gateway's own metrics and info lines (chalicelib.telemetry) are for CloudWatch.
# Stored provider keys are wrapped by a master key file made once under .local/ (never
# committed; KMS wraps them deployed), and custom providers may live on loopback.
LOCAL_DEFAULTS = {
    "AIG_KEY_WRAPPER": "local",
    "AIG_LOCAL_KEY_FILE": str(REPO_ROOT / ".local" / "provider-keys.key"),
    "AIG_CUSTOM_PROVIDER_LOOPBACK": "1",
    "AIG_LOG_SINK": "queue",
    "AIG_LOCAL_POLLER": "1",
    "AIG_HOT_PATH_AWS_TIMEOUT_S": "30",
    "POWERTOOLS_METRICS_DISABLED": "true",
    "POWERTOOLS_LOG_LEVEL": "WARNING",
}

# Outputs of the stack -> environment variables read by chalicelib.settings.
OUTPUT_ENV = {
    "LogsTableName": "AIG_LOGS_TABLE",
    "ControlTableName": "AIG_CONTROL_TABLE",
    "BodiesBucketName": "AIG_BODIES_BUCKET",
    "LogQueueUrl": "AIG_LOG_QUEUE_URL",
    "LogDeadLetterQueueUrl": "AIG_LOG_DLQ_URL",
}

# werkzeug access-log lines (moto logs one per AWS call): not echoed, too many.
_ACCESS_LOG = re.compile(r'^\S+ - - \[[^\]]*\] "[^"]*" \d{3} ')


class LocalRunError(RuntimeError):
    """A local service failed to start or deploy."""


class Interrupted(Exception):  # noqa: N818 - a signal, not an error
    """SIGINT or SIGTERM was received."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _die_with_parent() -> Callable[[], None] | None:
    """A preexec_fn that has Linux kill the child (SIGTERM) if this process dies, or None.

    Only from the main thread: the kernel ties it to the forking thread, not the process.
    """
    if not sys.platform.startswith("linux"):
        return None
    if threading.current_thread() is not threading.main_thread():
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    pr_set_pdeathsig = 1
    sigterm = int(signal.SIGTERM)

    def preexec() -> None:
        prctl(pr_set_pdeathsig, sigterm)

    return preexec


class Child(subprocess.Popen[bytes]):
    """A child in its own process group whose output a thread drains.

    The output is kept (last lines) and, once `echo()` is called, also copied to stderr
    with a `[name]` prefix, so start-up chatter stays quiet unless something fails.
    """

    def __init__(
        self,
        name: str,
        args: Sequence[str],
        *,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
        hide: Callable[[str], bool] | None = None,
        sink: IO[str] | None = None,
    ) -> None:
        child_env = dict(os.environ if env is None else env)
        child_env.setdefault("PYTHONUNBUFFERED", "1")
        super().__init__(
            list(args),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=child_env,
            cwd=cwd,
            start_new_session=True,
            preexec_fn=_die_with_parent(),
        )
        self.name = name
        self._hide = hide
        self._sink = sink
        self._lines: collections.deque[str] = collections.deque(maxlen=200)
        self._echo = threading.Event()
        self._reader = threading.Thread(target=self._drain, name=f"{name}-output", daemon=True)
        self._reader.start()

    def _drain(self) -> None:
        assert self.stdout is not None
        for raw in iter(self.stdout.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip("\n")
            self._lines.append(line)
            if self._echo.is_set() and not (self._hide and self._hide(line)):
                sink = self._sink or sys.stderr
                sink.write(f"[{self.name}] {line}\n")
                sink.flush()

    def echo(self) -> None:
        """From now on, copy the child's output lines to the terminal."""
        self._echo.set()

    def output(self) -> str:
        """The last lines the child printed."""
        self._reader.join(timeout=0.5 if self.poll() is not None else 0)
        return "\n".join(self._lines)

    def stop(self, timeout: float = 10.0) -> int:
        """SIGTERM the child's process group, SIGKILL it after `timeout`; return the exit code."""
        for sig in (signal.SIGTERM, signal.SIGKILL):
            if self.poll() is not None:
                break
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.pid, sig)  # start_new_session: pgid == pid
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.wait(timeout=timeout)
        code = self.wait()
        if self.stdout is not None:
            self._reader.join(timeout=1.0)
            self.stdout.close()
        return code


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now (moto server cannot bind port 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def ensure_port_free(port: int, what: str) -> None:
    """Raise LocalRunError if 127.0.0.1:`port` is taken (e.g. by a previous run)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError as err:
            raise LocalRunError(f"port {port} for {what} is not free: {err}") from err


def wait_http(url: str, child: Child, *, timeout: float, status: int | None = None) -> None:
    """Poll `url` until it answers (with `status`, if given); fail fast if `child` exits."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + timeout
    last = "no answer"
    while True:
        code = child.poll()
        if code is not None:
            raise LocalRunError(
                f"{child.name} exited with code {code} while starting; its output:\n"
                f"{child.output()}"
            )
        try:
            with opener.open(url, timeout=2) as resp:
                answered = resp.status
        except urllib.error.HTTPError as err:
            answered = err.code
        except (OSError, urllib.error.URLError) as err:
            answered, last = None, str(err)
        if answered is not None:
            if status is None or answered == status:
                return
            last = f"HTTP {answered}"
        if time.monotonic() > deadline:
            raise LocalRunError(
                f"{child.name} did not answer {url} within {timeout:.0f}s ({last}); "
                f"its output:\n{child.output()}"
            )
        time.sleep(0.1)


def start_moto_server(port: int, *, timeout: float = 30.0) -> Child:
    """Start moto server on 127.0.0.1:`port` and return once it answers HTTP."""
    ensure_port_free(port, "moto server (AIG_MOTO_PORT)")
    child = Child(
        "moto",
        [sys.executable, "-m", "infra.moto_server", "-H", "127.0.0.1", "-p", str(port)],
        hide=lambda line: bool(_ACCESS_LOG.match(line)),
    )
    try:
        wait_http(f"http://127.0.0.1:{port}/moto-api/", child, timeout=timeout)
    except BaseException:
        child.stop()
        raise
    return child


def start_chalice_local(port: int, env: Mapping[str, str], *, timeout: float = 60.0) -> Child:
    """Start `chalice local`'s server (stage `local`, infra/chalice_server.py: the envelope
    for unknown paths and refusals) on 127.0.0.1:`port`; return once /healthz is 200."""
    ensure_port_free(port, "the gateway (PORT)")
    child = Child(
        "chalice",
        [
            sys.executable,
            "-m",
            "infra.chalice_server",
            "--stage",
            "local",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        env=env,
        cwd=REPO_ROOT,
    )
    return _healthy(child, port, timeout)


def _healthy(child: Child, port: int, timeout: float) -> Child:
    """`child` once its /healthz on 127.0.0.1:`port` answers 200; stopped if it never does."""
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz", child, timeout=timeout, status=200)
    except BaseException:
        child.stop()
        raise
    return child


GATEWAY_THREADS = 32
"""Requests one gateway worker serves at once (each streamed answer holds a thread)."""


def start_gateway(port: int, env: Mapping[str, str], *, timeout: float = 60.0) -> Child:
    """Start the gateway as `make run` serves it: gunicorn (gthread worker) with the
    streaming data plane in front of the Chalice app (infra/gateway_app.py) on
    127.0.0.1:`port`; return once /healthz is 200. One worker process, many threads."""
    ensure_port_free(port, "the gateway (PORT)")
    child = Child(
        "gateway",
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--worker-class",
            "gthread",
            "--workers",
            "1",
            "--threads",
            env.get("AIG_GATEWAY_THREADS", str(GATEWAY_THREADS)),
            "--bind",
            f"127.0.0.1:{port}",
            "--keep-alive",
            "75",
            "--graceful-timeout",
            "5",
            "infra.gateway_app:app",
        ],
        env=env,
        cwd=REPO_ROOT,
    )
    return _healthy(child, port, timeout)


def start_log_poller(env: Mapping[str, str]) -> Child:
    """Start the log queue's consumer (infra/log_poller.py) in its own process."""
    return Child("log-poller", [sys.executable, "-m", "infra.log_poller"], env=env, cwd=REPO_ROOT)


def deploy_stack(endpoint_url: str | None, prefix: str = "aig") -> dict[str, str]:
    """Create the stack of infra/template.yaml, wait for CREATE_COMPLETE, return its Outputs.

    `endpoint_url=None` talks to whatever boto3 would (moto in-process under `mock_aws`).
    """
    cfn = boto3.client(
        "cloudformation", region_name=REGION, endpoint_url=endpoint_url, **DUMMY_CREDENTIALS
    )
    stack_name = f"{prefix}-storage"
    cfn.create_stack(
        StackName=stack_name,
        TemplateBody=TEMPLATE_PATH.read_text(),
        Parameters=[{"ParameterKey": "Prefix", "ParameterValue": prefix}],
    )
    waiter = cfn.get_waiter("stack_create_complete")
    try:
        waiter.wait(StackName=stack_name, WaiterConfig={"Delay": 1, "MaxAttempts": 120})
    except Exception as err:  # botocore WaiterError: report the failed resources
        events = cfn.describe_stack_events(StackName=stack_name)["StackEvents"]
        failed = [
            f"{e['LogicalResourceId']}: {e.get('ResourceStatusReason', e['ResourceStatus'])}"
            for e in events
            if e["ResourceStatus"].endswith("FAILED")
        ]
        raise LocalRunError(f"stack {stack_name} was not created: {err}; {failed}") from err
    stack = cfn.describe_stacks(StackName=stack_name)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def gateway_env(endpoint_url: str, outputs: Mapping[str, str]) -> dict[str, str]:
    """Environment that points the gateway at `endpoint_url` and the stack's resources."""
    env = {
        "AWS_ENDPOINT_URL": endpoint_url,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": DUMMY_CREDENTIALS["aws_access_key_id"],
        "AWS_SECRET_ACCESS_KEY": DUMMY_CREDENTIALS["aws_secret_access_key"],
    }
    env.update({name: outputs[key] for key, name in OUTPUT_ENV.items()})
    return env


def seed(env: Mapping[str, str], admin_token: str) -> None:
    """Seed account `demo`, gateway `default` and `admin_token` into the resources of `env`."""
    os.environ.update(env)
    from chalicelib import aws
    from chalicelib.accounts.bootstrap import seed_local
    from chalicelib.settings import Settings

    aws.reset()
    seed_local(
        Settings.from_env(env),
        account_id=DEMO_ACCOUNT,
        gateway_id=DEMO_GATEWAY,
        admin_token=admin_token,
    )


def ensure_key_file(path: Path) -> None:
    """The local master key of stored provider keys: made once (mode 0600), then kept."""
    from chalicelib.provider_keys import create_key_file

    if create_key_file(path):
        print(f"Made the local key file of stored provider keys: {path}", flush=True)


def banner(port: int, admin_token: str) -> str:
    """What `make run` prints once the gateway answers; the last line is for scripts."""
    base = f"http://127.0.0.1:{port}"
    gw = f"{base}/v1/{DEMO_ACCOUNT}/{DEMO_GATEWAY}"
    return "\n".join(
        [
            "",
            f"AI gateway running at {base}",
            f"  OpenAI base URL:     {gw}/openai",
            f"  Anthropic base URL:  {gw}/anthropic",
            f"  Management API:      {base}  (Authorization: Bearer {admin_token},"
            f" account_id={DEMO_ACCOUNT}, gateway_id={DEMO_GATEWAY})",
            "Ctrl-C stops it.",
            f"{READY_MARKER} {base}",
        ]
    )


class Supervisor:
    """Owns the child processes: stops them all on exit, on a signal, or when one dies."""

    def __init__(self, stop_timeout: float = 10.0) -> None:
        self.children: list[Child] = []
        self.stop_timeout = stop_timeout
        self._stopping = False
        self._old_handlers: dict[int, Any] = {}

    def __enter__(self) -> Supervisor:
        for sig in (signal.SIGINT, signal.SIGTERM):
            self._old_handlers[sig] = signal.signal(sig, self._on_signal)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
        for sig, handler in self._old_handlers.items():
            signal.signal(sig, handler)

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        if not self._stopping:
            raise Interrupted(signum)

    def add(self, child: Child) -> Child:
        """Supervise `child` from now on."""
        self.children.append(child)
        return child

    def watch(self, poll: float = 0.2) -> int:
        """Echo the children's output until a signal (return 0) or a child exits (return 1)."""
        for child in self.children:
            child.echo()
        try:
            while True:
                for child in self.children:
                    code = child.poll()
                    if code is not None:
                        print(
                            f"{child.name} exited on its own with code {code}; stopping.",
                            file=sys.stderr,
                            flush=True,
                        )
                        return 1
                time.sleep(poll)
        except Interrupted as sig:
            print(f"\n{sig}: stopping.", file=sys.stderr, flush=True)
            return 0

    def stop(self) -> None:
        """Stop the children, newest first; signals are ignored meanwhile."""
        self._stopping = True
        while self.children:
            self.children.pop().stop(self.stop_timeout)


def main() -> int:
    """Run moto server, deploy and seed the stack, serve the gateway; see the module doc."""
    port = int(os.environ.get("PORT", "8000"))
    moto_port = int(os.environ.get("AIG_MOTO_PORT", "4566"))
    admin_token = os.environ.get("AIG_ADMIN_TOKEN", DEFAULT_ADMIN_TOKEN)
    endpoint = f"http://127.0.0.1:{moto_port}"
    try:
        with Supervisor() as sup:
            print(f"Starting moto server on {endpoint} ...", flush=True)
            sup.add(start_moto_server(moto_port))
            env = gateway_env(endpoint, deploy_stack(endpoint))
            seed(env, admin_token)
            run_env = {**LOCAL_DEFAULTS, "AIG_DATA_PLANE_URL": f"http://127.0.0.1:{port}"}
            run_env.update({**os.environ, **env})
            if run_env["AIG_KEY_WRAPPER"] == "local" and run_env.get("AIG_LOCAL_KEY_FILE"):
                ensure_key_file(Path(run_env["AIG_LOCAL_KEY_FILE"]))
            if run_env.get("AIG_LOCAL_POLLER") == "1":  # its own process, not the gateway's
                sup.add(start_log_poller(run_env))
            print(f"Starting the gateway on 127.0.0.1:{port} ...", flush=True)
            sup.add(start_gateway(port, {**run_env, "AIG_LOCAL_POLLER": "0"}))
            print(banner(port, admin_token), flush=True)
            return sup.watch()
    except Interrupted:
        print("\nInterrupted while starting.", file=sys.stderr, flush=True)
        return 0
    except LocalRunError as err:
        print(f"error: {err}", file=sys.stderr, flush=True)
        return 1


if __name__ == "__main__":
    sys.exit(main())
