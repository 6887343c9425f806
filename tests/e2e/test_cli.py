"""The `aig` command line through its console script (what `make install` puts into the
virtualenv) against the running `make run` stack."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from typing import Any

import httpx
import pytest

from infra.local import free_port
from tests.support.aig import Aig, run_aig, start_aig
from tests.support.gateway import Gateway, chat, create_gateway
from tests.support.tenants import make_tenant

pytestmark = pytest.mark.e2e

LOGS_GW = "cli-logs"
STREAMED = "stream these words please"


@pytest.fixture(scope="module")
def logged(gateway: Gateway) -> dict[str, str]:
    """A gateway with logs: gpt-4o, gpt-4o-mini, a failure and a stream, in that order."""
    create_gateway(gateway, LOGS_GW)
    ids = {}
    for model in ("gpt-4o", "gpt-4o-mini"):
        ids[model] = chat(gateway, LOGS_GW, model).headers["aig-log-id"]
    failed = chat(gateway, LOGS_GW, "gpt-4o", headers={"x-fake-status": "500"})
    assert failed.status_code == 500
    ids["failed"] = failed.headers["aig-log-id"]
    url = f"{gateway.url}/v1/{gateway.account}/{LOGS_GW}/openai/chat/completions"
    body = {
        "model": "gpt-4o-mini",
        "stream": True,
        "stream_options": {"include_usage": True},
        "messages": [{"role": "user", "content": STREAMED}],
    }
    with httpx.stream("POST", url, json=body, headers={"authorization": "Bearer sk"}) as stream:
        stream.read()
        ids["stream"] = stream.headers["aig-log-id"]
    _wait_for_log(gateway, LOGS_GW, ids["stream"])  # a stream is logged once it has ended
    return ids


def _wait_for_log(gateway: Gateway, gateway_id: str, log_id: str) -> None:
    url = f"{gateway.url}/accounts/{gateway.account}/ai-gateway/gateways/{gateway_id}/logs/{log_id}"
    deadline = time.monotonic() + 10
    while httpx.get(url, headers={"authorization": f"Bearer {gateway.token}"}).status_code != 200:
        assert time.monotonic() < deadline, f"log {log_id} was never stored"
        time.sleep(0.05)


def _json(done: subprocess.CompletedProcess[str]) -> Any:
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_gateway_lifecycle(aig: Aig) -> None:
    created = _json(
        aig("gateways", "create", "cli-gw", "--cache-ttl", "30", "--rate-limiting-limit", "7",
            "--rate-limiting-interval", "60", "--no-collect-logs", "--set", "zdr=true", "--json")
    )  # fmt: skip
    assert (created["id"], created["cache_ttl"], created["collect_logs"]) == ("cli-gw", 30, False)
    assert created["zdr"] is True
    listed = _json(aig("gateways", "list", "--search", "cli-g", "--json"))
    assert [g["id"] for g in listed] == ["cli-gw"]
    updated = _json(aig("gateways", "update", "cli-gw", "--cache-ttl", "60", "--json"))
    assert (updated["cache_ttl"], updated["rate_limiting_limit"], updated["zdr"]) == (60, 7, True)
    table = aig("gateways", "list")
    assert table.returncode == 0 and "cli-gw" in table.stdout and "7/60s" in table.stdout
    assert "cache_ttl" in aig("gateways", "get", "cli-gw").stdout
    nothing = aig("gateways", "update", "cli-gw")
    assert nothing.returncode == 2 and "nothing to update" in nothing.stderr
    kept = aig("gateways", "delete", "cli-gw", input="n\n")
    assert kept.returncode == 1 and _json(aig("gateways", "get", "cli-gw", "--json"))
    assert aig("gateways", "delete", "cli-gw", "--yes").returncode == 0
    gone = aig("gateways", "get", "cli-gw")
    assert gone.returncode == 3 and "not found" in gone.stderr


def test_invalid_setting_is_the_apis_refusal(aig: Aig) -> None:
    refused = aig("gateways", "create", "cli-bad", "--rate-limiting-technique", "bursty")
    assert refused.returncode == 3
    assert "rate_limiting_technique" in refused.stderr and "Traceback" not in refused.stderr


def test_logs_list_filters_newest_first(aig: Aig, logged: dict[str, str]) -> None:
    every = _json(aig("logs", "list", "--gateway", LOGS_GW, "--json"))
    assert [log["id"] for log in every] == [
        logged["stream"], logged["failed"], logged["gpt-4o-mini"], logged["gpt-4o"]
    ]  # fmt: skip
    by_model = _json(aig("logs", "list", "--gateway", LOGS_GW, "--model", "gpt-4o", "--json"))
    assert [log["id"] for log in by_model] == [logged["failed"], logged["gpt-4o"]]
    failed = _json(
        aig("logs", "list", "--gateway", LOGS_GW, "--failed", "--filter", "status_code:gt:499",
            "--start", "1h", "--json")
    )  # fmt: skip
    assert [log["id"] for log in failed] == [logged["failed"]]
    oldest = _json(aig("logs", "list", "--gateway", LOGS_GW, "--asc", "--limit", "1", "--json"))
    assert [log["id"] for log in oldest] == [logged["gpt-4o"]]
    table = aig("logs", "list", "--gateway", LOGS_GW, "--provider", "openai")
    assert table.returncode == 0, table.stderr
    assert "tokens in/out" in table.stdout and logged["gpt-4o-mini"] in table.stdout
    assert "500 !" in table.stdout


def test_flags_win_over_the_environment(aig: Aig, logged: dict[str, str]) -> None:
    env = {"AIG_GATEWAY": "default"}
    flagged = _json(aig("logs", "list", "--gateway", LOGS_GW, "--limit", "1", "--json", env=env))
    assert [log["id"] for log in flagged] == [logged["stream"]]
    from_env = _json(aig("logs", "list", "--limit", "1", "--json", env={"AIG_GATEWAY": LOGS_GW}))
    assert from_env == flagged
    no_token = aig("logs", "list", env={"AIG_TOKEN": "", "AIG_GATEWAY": LOGS_GW})
    assert no_token.returncode == 2
    assert "no token: pass --token or set AIG_TOKEN" in no_token.stderr


def test_logs_get_with_bodies(aig: Aig, logged: dict[str, str]) -> None:
    shown = aig("logs", "get", logged["gpt-4o"], "--gateway", LOGS_GW, "--bodies")
    assert shown.returncode == 0, shown.stderr
    assert '"content": "hello cli"' in shown.stdout  # the request, pretty JSON
    assert '"object": "chat.completion"' in shown.stdout
    document = _json(aig("logs", "get", logged["gpt-4o"], "-g", LOGS_GW, "--bodies", "--json"))
    assert document["log"]["model"] == "gpt-4o"
    assert document["request"]["messages"][0]["content"] == "hello cli"
    assert document["response"]["choices"][0]["message"]["content"] == "echo: hello cli"
    assert "request" not in _json(aig("logs", "get", logged["gpt-4o"], "-g", LOGS_GW, "--json"))


def test_logs_get_a_streamed_answer(aig: Aig, logged: dict[str, str]) -> None:
    shown = aig("logs", "get", logged["stream"], "--gateway", LOGS_GW, "--bodies")
    assert shown.returncode == 0, shown.stderr
    response = shown.stdout.rpartition("response")[2]  # after the response's heading
    assert f"echo: {STREAMED}" in response and "data:" not in response
    raw = aig("logs", "get", logged["stream"], "--gateway", LOGS_GW, "--bodies", "--raw")
    assert "data: " in raw.stdout.rpartition("response")[2]
    document = _json(aig("logs", "get", logged["stream"], "-g", LOGS_GW, "--bodies", "--json"))
    assert document["response_text"] == f"echo: {STREAMED}"
    assert document["response"].startswith("data: ")


def test_tail_prints_each_new_log_once(aig: Aig, gateway: Gateway) -> None:
    create_gateway(gateway, "cli-tail")
    before = [chat(gateway, "cli-tail", "gpt-4o").headers["aig-log-id"] for _ in range(2)]
    with start_aig(
        aig, "logs", "tail", "--gateway", "cli-tail", "-n", "1", "--interval", "0.2",
        "--max-logs", "2", "--timeout", "20", "--json",
    ) as tail:  # fmt: skip
        tail.wait_for_stderr("following new logs of cli-tail")
        first = chat(gateway, "cli-tail", "gpt-4o").headers["aig-log-id"]
        tail.wait_for_stdout(first)  # printed by a poll before the next log exists
        second = chat(gateway, "cli-tail", "gpt-4o-mini").headers["aig-log-id"]
        out, err = tail.finish(timeout=20)
    assert tail.returncode == 0, err
    printed = [json.loads(line)["id"] for line in out.splitlines()]
    assert printed == [before[-1], first, second]


def test_tail_stops_cleanly_on_ctrl_c(aig: Aig) -> None:
    with start_aig(aig, "logs", "tail", "--gateway", LOGS_GW, "--interval", "0.2") as tail:
        tail.wait_for_stderr("following new logs of")
        tail.process.send_signal(signal.SIGINT)
        out, err = tail.finish(timeout=10)
    assert tail.returncode == 0 and "Traceback" not in err
    assert "gpt-4o" in out  # the recent logs, one line each


def test_logs_delete(aig: Aig, gateway: Gateway) -> None:
    create_gateway(gateway, "cli-delete")
    kept = chat(gateway, "cli-delete", "gpt-4o").headers["aig-log-id"]
    for _ in range(2):
        chat(gateway, "cli-delete", "gpt-4o-mini")
    asked = aig("logs", "delete", "-g", "cli-delete", "--model", "gpt-4o-mini", input="n\n")
    assert asked.returncode == 1
    assert "Delete all matching logs of gateway cli-delete?" in asked.stderr
    deleted = aig("logs", "delete", "-g", "cli-delete", "--model", "gpt-4o-mini", "--yes", "--json")
    assert _json(deleted) == {"deleted": 2, "complete": True}
    left = _json(aig("logs", "list", "-g", "cli-delete", "--json"))
    assert [log["id"] for log in left] == [kept]


def test_analytics_table_and_json(aig: Aig, logged: dict[str, str]) -> None:
    rows = _json(aig("analytics", "-g", LOGS_GW, "--group-by", "model", "--start", "2h", "--json"))
    by_model = {row["model"]: row for row in rows}
    assert by_model["gpt-4o"]["errors"] >= 1 and by_model["gpt-4o-mini"]["requests"] >= 2
    table = aig("analytics", "-g", LOGS_GW, "--group-by", "provider")
    assert table.returncode == 0, table.stderr
    assert "requests" in table.stdout and "openai" in table.stdout


def test_a_bad_token_is_refused_without_echo(aig: Aig) -> None:
    secret = "not-a-real-token-5f1e"
    refused = aig("gateways", "list", "--token", secret)
    assert refused.returncode == 3
    assert "invalid API token" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert secret not in refused.stdout + refused.stderr


def test_an_unreachable_base_url(aig: Aig) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    failed = aig("logs", "list", "--gateway", LOGS_GW, "--base-url", url)
    assert failed.returncode == 4
    assert f"could not reach {url}" in failed.stderr and "Traceback" not in failed.stderr


def test_another_accounts_gateway_is_refused(aig: Aig, gateway: Gateway) -> None:
    other = make_tenant(gateway.accounts(), "cli-other", "theirs")
    mine = aig("logs", "list", "--account", other.account_id, "--gateway", other.gateway_id)
    assert mine.returncode == 3 and "not found" in mine.stderr
    theirs = aig("logs", "list", "--gateway", "default", "--token", other.token)
    assert theirs.returncode == 3 and other.token not in theirs.stderr


def test_usage_errors_and_python_m(aig: Aig) -> None:
    usage = aig("logs", "list", "--limit", "0")
    assert usage.returncode == 2 and "Traceback" not in usage.stderr
    bad_filter = aig("logs", "list", "-g", LOGS_GW, "--filter", "model~gpt")
    assert bad_filter.returncode == 2 and "KEY:OPERATOR:VALUE" in bad_filter.stderr
    module = run_aig(["--help"], aig.env, module=True)
    assert module.returncode == 0 and "gateways" in module.stdout
