"""Reading exports back (DuckDB, as a user would) and storing logs for them to export."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb

from chalicelib import wiring
from chalicelib.logstore.batch_writer import QueuedMessage
from chalicelib.logstore.bodies import StoredBodies
from chalicelib.logstore.messages import LogMessage
from chalicelib.logstore.record import LogRecord
from chalicelib.logstore.writes import LogPolicy, WriteOutcome

POLICY = LogPolicy(shard_count=16, evict_oldest=False)


def query(folder: Path, sql: str = "SELECT * FROM logs ORDER BY created_at, id") -> list[Any]:
    """Rows of `sql` over every Parquet file under `folder` (its partitions as columns),
    the files read as the view `logs`."""
    connection = duckdb.connect()
    pattern = str(folder / "**" / "*.parquet")
    connection.execute(f"CREATE VIEW logs AS SELECT * FROM read_parquet('{pattern}')")
    return connection.sql(sql).fetchall()


def store(records: Sequence[LogRecord], bodies: bool = True) -> None:
    """Store `records` through the log pipeline's batch writer (rollups, packed bodies)."""
    messages = [
        QueuedMessage(
            f"m-{record.id}",
            LogMessage(
                record,
                POLICY,
                StoredBodies(b'{"q": "%s"}' % record.id.encode(), b"answer " + record.id.encode())
                if bodies
                else None,
            ).encode(),
        )
        for record in records
    ]
    writer = wiring.batch_writer()
    for start in range(0, len(messages), 100):
        result = writer.write_messages(messages[start : start + 100])
        assert set(result.outcomes.values()) <= {WriteOutcome.STORED}
