"""DynamoDB plumbing: transaction actions in the low-level format and value conversions
(actions), paged Query and Scan (paging), deleting keys in batches (deletes), and labelled
transactions (transactions)."""

from chalicelib.dynamo.actions import (
    attributes,
    condition_check,
    delete,
    put,
    python_values,
    storable,
    update,
)
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
    "attributes",
    "cancellation_codes",
    "condition_check",
    "delete",
    "delete_keys",
    "failed_condition",
    "items",
    "pages",
    "put",
    "python_values",
    "storable",
    "transact",
    "update",
]
