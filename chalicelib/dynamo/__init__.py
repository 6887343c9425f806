"""DynamoDB plumbing: transaction actions in the low-level format and value conversions
(actions), key conditions safe across threads (conditions), paged Query and Scan
(paging), reading keys in batches (batch_get), deleting keys in batches (deletes), and
labelled transactions (transactions)."""

from chalicelib.dynamo.actions import (
    attributes,
    condition_check,
    delete,
    put,
    python_values,
    storable,
    update,
)
from chalicelib.dynamo.batch_get import UnprocessedKeys, get_many
from chalicelib.dynamo.conditions import key_condition
from chalicelib.dynamo.deletes import Unprocessed, delete_keys
from chalicelib.dynamo.paging import items, pages
from chalicelib.dynamo.transactions import (
    Failure,
    Transaction,
    cancellation_codes,
    failed_condition,
    transact,
)

__all__ = [
    "Failure",
    "Transaction",
    "Unprocessed",
    "UnprocessedKeys",
    "attributes",
    "cancellation_codes",
    "condition_check",
    "delete",
    "delete_keys",
    "failed_condition",
    "get_many",
    "items",
    "key_condition",
    "pages",
    "put",
    "python_values",
    "storable",
    "transact",
    "update",
]
