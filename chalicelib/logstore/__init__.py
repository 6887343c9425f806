"""The log store: log records and their forms (item, message, API answer), bodies in S3
and their packs, admission of logs against the account's counters (one at a time, or in
batches from the log pipeline's queue), their maintenance (delete, annotate, trim,
purge), reads and searches, analytics rollups, cursors, and the repair of abandoned
batch intents. Imports chalicelib.dynamo, chalicelib.aws, chalicelib.settings,
chalicelib.validation and, for the control table's account key, chalicelib.accounts.keys;
never chalicelib.proxy, chalicelib.api or chalicelib.wiring."""

from chalicelib.logstore.admission import LogAdmission
from chalicelib.logstore.batch_admission import BatchAdmission
from chalicelib.logstore.batch_writer import BatchWriter
from chalicelib.logstore.bodies import MAX_BODY_BYTES, S3BodyStore, StoredBodies, truncate
from chalicelib.logstore.consumer import QueuePoller, delete_messages, handle_sqs_event
from chalicelib.logstore.cursor import Cursor, InvalidCursor, decode_cursor, encode_cursor
from chalicelib.logstore.cursor_secret import deployment_secret, managed_secret
from chalicelib.logstore.filters import (
    BOOL,
    FILTER_FIELDS,
    KEYS,
    NUMBER,
    STRING,
    Filter,
    InvalidQuery,
    filter_parts,
    make_filter,
)
from chalicelib.logstore.ids import (
    created_at_of,
    is_log_id,
    new_log_id,
    partition_key,
    shard_of,
)
from chalicelib.logstore.maintenance import LogMaintenance
from chalicelib.logstore.packs import PackCompactor, compaction_budget_s
from chalicelib.logstore.reader import LogReader
from chalicelib.logstore.record import HEAD_BYTES, LogRecord, body_head
from chalicelib.logstore.record_api import API_FIELDS, record_json
from chalicelib.logstore.record_item import record_item
from chalicelib.logstore.repair import MIN_AGE_S, IntentRepair, RepairReport, account_ids
from chalicelib.logstore.rollups import GROUP_BYS, Rollups, aggregate
from chalicelib.logstore.search import LogSearch, LogSearcher, Position, TooManyToSort
from chalicelib.logstore.sink import DirectLogSink, LogEntry, LogSink, QueueLogSink
from chalicelib.logstore.writes import LogPolicy, StoredLog, WriteOutcome

__all__ = [
    "API_FIELDS",
    "BOOL",
    "FILTER_FIELDS",
    "GROUP_BYS",
    "HEAD_BYTES",
    "KEYS",
    "MAX_BODY_BYTES",
    "MIN_AGE_S",
    "NUMBER",
    "STRING",
    "BatchAdmission",
    "BatchWriter",
    "Cursor",
    "DirectLogSink",
    "Filter",
    "IntentRepair",
    "InvalidCursor",
    "InvalidQuery",
    "LogAdmission",
    "LogEntry",
    "LogMaintenance",
    "LogPolicy",
    "LogReader",
    "LogRecord",
    "LogSearch",
    "LogSearcher",
    "LogSink",
    "PackCompactor",
    "Position",
    "QueueLogSink",
    "QueuePoller",
    "RepairReport",
    "Rollups",
    "S3BodyStore",
    "StoredBodies",
    "StoredLog",
    "TooManyToSort",
    "WriteOutcome",
    "account_ids",
    "compaction_budget_s",
    "aggregate",
    "body_head",
    "created_at_of",
    "decode_cursor",
    "delete_messages",
    "deployment_secret",
    "managed_secret",
    "encode_cursor",
    "handle_sqs_event",
    "is_log_id",
    "filter_parts",
    "make_filter",
    "new_log_id",
    "partition_key",
    "record_item",
    "record_json",
    "shard_of",
    "truncate",
]
