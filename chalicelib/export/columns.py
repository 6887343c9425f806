"""The columns of an exported log: the API form's fields, typed, plus the log's account
and gateway and, optionally, its bodies (pure: no pyarrow, so infra/ can read it too)."""

from __future__ import annotations

STRING, INTEGER, FLOAT, BOOLEAN, TIMESTAMP, STRINGS = (
    "string",
    "integer",
    "float",
    "boolean",
    "timestamp",
    "strings",
)

COLUMNS: tuple[tuple[str, str], ...] = (
    ("id", STRING),
    ("created_at", TIMESTAMP),
    ("account_id", STRING),
    ("gateway_id", STRING),
    ("provider", STRING),
    ("model", STRING),
    ("model_type", STRING),
    ("path", STRING),
    ("request_type", STRING),
    ("status_code", INTEGER),
    ("success", BOOLEAN),
    ("cached", BOOLEAN),
    ("step", INTEGER),
    ("duration", INTEGER),
    ("time_to_first_token", INTEGER),
    ("tokens_in", INTEGER),
    ("tokens_out", INTEGER),
    ("cost", FLOAT),
    ("custom_cost", BOOLEAN),
    ("metadata", STRING),
    ("event_id", STRING),
    ("feedback", INTEGER),
    ("score", INTEGER),
    ("request_content_type", STRING),
    ("response_content_type", STRING),
    ("request_size", INTEGER),
    ("response_size", INTEGER),
    ("request_head", STRING),
    ("request_head_complete", BOOLEAN),
    ("response_head", STRING),
    ("response_head_complete", BOOLEAN),
    ("body_truncated", BOOLEAN),
    ("error", STRING),
    ("user_agent", STRING),
    ("normalized", STRINGS),
    ("request_body", STRING),
    ("response_body", STRING),
)
"""Name and kind of each column, in file order. `created_at` is a UTC timestamp (ms),
`cost` USD, `metadata` the API's JSON string, `normalized` the fields whose values were
replaced (by the log store, or here because they did not fit their column); the bodies are
null unless they were exported."""

OWNER_COLUMNS = ("account_id", "gateway_id")
"""Columns that come from the export's account and gateway, never from a record."""
BODY_COLUMNS = ("request_body", "response_body")
PARTITION_KEYS = ("account_id", "gateway_id", "date")
"""The Hive partitions of the layout (chalicelib.export.layout), in path order."""

ATHENA_TYPES = {
    STRING: "string",
    INTEGER: "bigint",
    FLOAT: "double",
    BOOLEAN: "boolean",
    TIMESTAMP: "timestamp",
    STRINGS: "array<string>",
}
"""How each kind reads in Athena (the Glue table of the stack, infra/stack.py)."""


def athena_columns() -> list[dict[str, str]]:
    """The Glue table's columns: every column but the partition keys, Athena-typed."""
    return [
        {"Name": name, "Type": ATHENA_TYPES[kind]}
        for name, kind in COLUMNS
        if name not in PARTITION_KEYS
    ]
