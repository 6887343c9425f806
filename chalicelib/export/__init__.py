"""The log export: a gateway's logs (metadata, optionally bodies) of a window of UTC hours,
as Parquet (zstd) partitioned by account, gateway and date, in a local folder or S3.

    account_id=<a>/gateway_id=<g>/date=<YYYY-MM-DD>/<HH>.parquet    (one object per hour)

Exactly once per log per window: each hour's object is replaced whole, so exporting a
window again (late logs, deleted logs) never duplicates a row. Readable with DuckDB
(`read_parquet('<dir>/**/*.parquet')`) and with Athena (the stack's Glue table).

Its face, for a client holding API-form records (the logs API's answers) and for the
deployment's own jobs:

    export_records(records, account_id=, gateway_id=, window=, destination=, bodies=None)
        -> ExportReport           # records: API-form dicts; bodies: log id -> (req, resp)
    Window(start, end), Window.covering(start, end), Window.hours(), last_complete_hour()
    open_destination("DIR" | "s3://bucket/prefix"), LocalDir, S3Prefix
    StoreExport(accounts, searcher, bodies).export_window(account_id, gateway_id, window,
        destination, with_bodies=False) -> ExportReport    # straight from the log store
    ScheduledExport(...).run(now, budget_s)    # hourly, every gateway with logpush on

Imports pyarrow (chalicelib.export.parquet), which the Lambda package leaves out: only the
export function (with its layer), the benchmarks and development tools import this
package; `import app` never does. Imports chalicelib.logstore (its face),
chalicelib.accounts and the core; never chalicelib.api, chalicelib.proxy or wiring.
"""

from chalicelib.export.columns import COLUMNS, PARTITION_KEYS, athena_columns
from chalicelib.export.destination import Destination, LocalDir, S3Prefix, open_destination
from chalicelib.export.layout import hour_key
from chalicelib.export.records import BodyLookup, ExportReport, export_records
from chalicelib.export.rows import Bodies
from chalicelib.export.schedule import (
    CHECKPOINT_PREFIX,
    EXPORT_PREFIX,
    LAG,
    ScheduledExport,
    ScheduleReport,
    export_budget_s,
)
from chalicelib.export.store import GatewayNotFound, StoreExport
from chalicelib.export.window import Window, last_complete_hour

__all__ = [
    "CHECKPOINT_PREFIX",
    "COLUMNS",
    "EXPORT_PREFIX",
    "LAG",
    "PARTITION_KEYS",
    "Bodies",
    "BodyLookup",
    "Destination",
    "ExportReport",
    "GatewayNotFound",
    "LocalDir",
    "S3Prefix",
    "ScheduleReport",
    "ScheduledExport",
    "StoreExport",
    "Window",
    "athena_columns",
    "export_budget_s",
    "export_records",
    "hour_key",
    "last_complete_hour",
    "open_destination",
]
