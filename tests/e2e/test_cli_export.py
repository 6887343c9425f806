"""`aig export` through its console script against the running `make run` stack: the
Parquet it writes (a folder, or S3 of make run's moto server), read back with DuckDB, holds
the logs, tokens and cost the analytics API counts, each log once however often exported."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import boto3
import duckdb
import httpx
import pytest

from tests.support.aig import Aig
from tests.support.gateway import Gateway, chat, create_gateway
from tests.support.readme import export_query
from tests.support.tenants import make_tenant

pytestmark = pytest.mark.e2e

EXPORT_GW = "cli-export"
BUCKET = "cli-export-bucket"


@pytest.fixture(scope="module")
def exported(gateway: Gateway) -> list[str]:
    """The ids of a gateway's logs: three answers and a failure (no usage: null tokens)."""
    create_gateway(gateway, EXPORT_GW)
    answers = [chat(gateway, EXPORT_GW, model) for model in ("gpt-4o", "gpt-4o-mini", "gpt-4o")]
    answers.append(chat(gateway, EXPORT_GW, "gpt-4o", headers={"x-fake-status": "500"}))
    return [answer.headers["aig-log-id"] for answer in answers]


def _json(done: subprocess.CompletedProcess[str]) -> Any:
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _rows(folder: Path, sql: str) -> list[Any]:
    """`sql` over the view `logs`: every Parquet file under `folder`, partitions as columns."""
    connection = duckdb.connect()
    pattern = folder / "**" / "*.parquet"
    connection.execute(
        f"CREATE VIEW logs AS SELECT * FROM read_parquet('{pattern}', hive_partitioning = true)"
    )
    return connection.sql(sql).fetchall()


def _totals(folder: Path) -> tuple[Any, ...]:
    """Rows, distinct ids, tokens in and out, and cost of EXPORT_GW's exported logs."""
    sql = (
        "SELECT count(*), count(DISTINCT id), sum(tokens_in), sum(tokens_out), sum(cost) "
        f"FROM logs WHERE account_id = 'demo' AND gateway_id = '{EXPORT_GW}'"
    )
    return tuple(_rows(folder, sql)[0])


def _analytics(gateway: Gateway, start: str, end: str) -> dict[str, Any]:
    """The analytics API's sums of EXPORT_GW over [start, end)."""
    url = f"{gateway.url}/accounts/{gateway.account}/ai-gateway/gateways/{EXPORT_GW}/analytics"
    answer = httpx.get(
        url,
        params={"start": start, "end": end, "group_by": "hour"},
        headers={"authorization": f"Bearer {gateway.token}"},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    rows = answer.json()["result"]
    return {
        name: sum(row[name] or 0 for row in rows)
        for name in ("requests", "tokens_in", "tokens_out", "cost")
    }


def test_an_export_holds_what_the_analytics_count_once(
    aig: Aig, gateway: Gateway, exported: list[str], tmp_path: Path
) -> None:
    done = _json(aig("export", "-g", EXPORT_GW, "--to", str(tmp_path), "--json"))
    assert done["logs"] == len(exported) and done["destination"] == str(tmp_path)
    assert done["hours"] in (24, 25) and done["files"] >= 1 and done["bytes"] > 0
    assert done["files"] + done["empty_hours"] == done["hours"]
    expected = _analytics(gateway, done["start"], done["end"])
    rows, distinct, tokens_in, tokens_out, cost = _totals(tmp_path)
    assert (rows, distinct, tokens_in, tokens_out) == (
        expected["requests"],
        len(exported),
        expected["tokens_in"],
        expected["tokens_out"],
    )
    assert tokens_in > 0 and cost == pytest.approx(expected["cost"], rel=1e-9)
    ids = _rows(tmp_path, "SELECT id FROM logs")
    assert sorted(row[0] for row in ids) == sorted(exported)

    again = aig("export", "-g", EXPORT_GW, "--to", str(tmp_path),
                "--start", done["start"], "--end", done["end"])  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith(f"exported {len(exported)} logs of {EXPORT_GW}, ")
    assert _totals(tmp_path) == (rows, distinct, tokens_in, tokens_out, cost)  # none twice


def test_bodies_are_exported_when_asked(aig: Aig, exported: list[str], tmp_path: Path) -> None:
    without = tmp_path / "plain"
    _json(aig("export", "-g", EXPORT_GW, "--to", str(without), "--json"))
    assert _rows(without, "SELECT count(*) FROM logs WHERE request_body IS NOT NULL") == [(0,)]
    bodies = tmp_path / "bodies"
    _json(aig("export", "-g", EXPORT_GW, "--to", str(bodies), "--bodies", "--json"))
    rows = _rows(bodies, "SELECT id, request_body, response_body, success FROM logs")
    assert sorted(row[0] for row in rows) == sorted(exported)
    for _, request, response, success in rows:
        assert json.loads(request)["messages"][0]["content"] == "hello cli"
        if success:
            assert "echo: hello cli" in response


def test_an_export_to_s3(aig: Aig, gateway: Gateway, exported: list[str], tmp_path: Path) -> None:
    aws = {
        "AWS_ENDPOINT_URL": gateway.aws_endpoint,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }
    s3 = boto3.client(
        "s3",
        endpoint_url=gateway.aws_endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    missing = aig("export", "-g", EXPORT_GW, "--to", f"s3://{BUCKET}/logs", env=aws)
    assert missing.returncode == 2, missing.stderr
    assert f"the bucket {BUCKET} does not exist" in missing.stderr
    s3.create_bucket(Bucket=BUCKET)
    done = _json(
        aig("export", "-g", EXPORT_GW, "--to", f"s3://{BUCKET}/exports/logs/", "--json", env=aws)
    )
    assert (done["logs"], done["destination"]) == (len(exported), f"s3://{BUCKET}/exports/logs/")
    listed = s3.list_objects_v2(Bucket=BUCKET, Prefix="exports/logs/")["Contents"]
    assert len(listed) == done["files"]
    for item in listed:
        key = item["Key"]
        assert key.startswith(f"exports/logs/account_id=demo/gateway_id={EXPORT_GW}/date=")
        local = tmp_path / key
        local.parent.mkdir(parents=True, exist_ok=True)
        local.write_bytes(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())
    assert _totals(tmp_path)[:2] == (len(exported), len(exported))


def test_another_accounts_gateway_is_refused(aig: Aig, gateway: Gateway, tmp_path: Path) -> None:
    other = make_tenant(gateway.accounts(), "cli-export-other", "theirs")
    target = tmp_path / "exports"
    theirs = aig("export", "-a", other.account_id, "-g", other.gateway_id, "--to", str(target))
    assert theirs.returncode == 3 and "not found" in theirs.stderr
    mine = aig("export", "-g", EXPORT_GW, "--to", str(target), "--token", other.token)
    assert mine.returncode == 3 and other.token not in mine.stdout + mine.stderr
    assert "Traceback" not in theirs.stderr + mine.stderr
    assert not target.exists()  # refused before anything is written


@pytest.mark.parametrize(
    ("to", "said"),
    [
        ("{tmp}/a-file/exports", "cannot write there: Not a directory"),
        ("s3://Not_A_Bucket/x", "not an S3 bucket name"),
        ("gs://bucket/x", "--to takes a folder or an s3:// URL"),
    ],
)
def test_a_bad_destination_is_one_line_and_exit_2(
    aig: Aig, exported: list[str], tmp_path: Path, to: str, said: str
) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    failed = aig("export", "-g", EXPORT_GW, "--to", to.format(tmp=tmp_path))
    assert failed.returncode == 2
    assert said in failed.stderr and failed.stderr.count("\n") == 1
    assert "Traceback" not in failed.stderr


def test_the_readme_query_runs_on_an_aig_export(
    aig: Aig, gateway: Gateway, exported: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The README's example: `aig export --to exports` of make run's gateway `default` (here
    beside another gateway's export), then its DuckDB query from the same folder."""
    assert chat(gateway, gateway.gateway, "gpt-4o").status_code == 200
    monkeypatch.chdir(tmp_path)
    others = _json(aig("export", "-g", EXPORT_GW, "--to", "exports", "--json"))
    done = _json(aig("export", "--to", "exports", "--json", env={"AIG_GATEWAY": gateway.gateway}))
    assert done["logs"] > 0 and others["logs"] == len(exported)
    rows = duckdb.sql(export_query()).fetchall()  # date, provider, model, logs, tokens, cost
    assert sum(row[3] for row in rows) == done["logs"]
