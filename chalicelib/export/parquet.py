"""Rows to Parquet with pyarrow: the schema of COLUMNS and one file built in memory.

The only module that imports pyarrow (too big for the Lambda package: the export
function gets it from a layer, and `import app` never imports this module).
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from chalicelib.export.columns import BOOLEAN, COLUMNS, FLOAT, INTEGER, STRING, STRINGS, TIMESTAMP

COMPRESSION = "zstd"
ROW_GROUP_ROWS = 50_000
ROW_GROUP_BYTES = 64 * 1024 * 1024
"""A file's rows are written in groups of at most this many rows (or about this many
bytes of bodies), so memory holds one group, not the whole hour."""

_TYPES = {
    STRING: pa.string(),
    INTEGER: pa.int64(),
    FLOAT: pa.float64(),
    BOOLEAN: pa.bool_(),
    TIMESTAMP: pa.timestamp("ms", tz="UTC"),
    STRINGS: pa.list_(pa.string()),
}
SCHEMA = pa.schema([pa.field(name, _TYPES[kind]) for name, kind in COLUMNS])


class ParquetFile:
    """One Parquet file, built in memory from rows (dicts of COLUMNS)."""

    def __init__(self) -> None:
        self._sink = pa.BufferOutputStream()
        self._writer = pq.ParquetWriter(self._sink, SCHEMA, compression=COMPRESSION)
        self._columns: dict[str, list[Any]] = {name: [] for name, _ in COLUMNS}
        self._pending_bytes = 0
        self.rows = 0

    def add(self, row: dict[str, Any]) -> None:
        """Append one row (flushed in row groups)."""
        for name, values in self._columns.items():
            values.append(row[name])
        self.rows += 1
        self._pending_bytes += len(row["request_body"] or "") + len(row["response_body"] or "")
        if len(self._columns["id"]) >= ROW_GROUP_ROWS or self._pending_bytes >= ROW_GROUP_BYTES:
            self._flush()

    def finish(self) -> bytes:
        """The file's bytes (call once, after the last row)."""
        self._flush()
        self._writer.close()
        data: bytes = self._sink.getvalue().to_pybytes()
        return data

    def _flush(self) -> None:
        if not self._columns["id"]:
            return
        self._writer.write_table(pa.Table.from_pydict(self._columns, schema=SCHEMA))
        for values in self._columns.values():
            values.clear()
        self._pending_bytes = 0
