"""What the gateway's HTTP edges share, framework-free: the status and Cloudflare code each
error answers with (status), the Cloudflare envelope (envelope), any exception as the error
the client gets (failures), path parameters decoded and checked once (paths), the request
size limit (limits) and log metadata checks (metadata). Used by both entries (the Chalice
routes in chalicelib.api, the streaming data plane) and by chalicelib.proxy; it imports only
chalicelib.errors, chalicelib.validation and the id rules of accounts and logstore."""

from chalicelib.edge.envelope import failure, success
from chalicelib.edge.failures import STORE_UNAVAILABLE, as_api_error, store_unreachable
from chalicelib.edge.limits import check_content_length, check_size
from chalicelib.edge.metadata import MAX_METADATA_ENTRIES, check_metadata
from chalicelib.edge.paths import check_segments, decode_params, decode_segment
from chalicelib.edge.status import error_code, http_status

__all__ = [
    "MAX_METADATA_ENTRIES",
    "STORE_UNAVAILABLE",
    "as_api_error",
    "check_content_length",
    "check_metadata",
    "check_segments",
    "check_size",
    "decode_params",
    "decode_segment",
    "error_code",
    "failure",
    "http_status",
    "store_unreachable",
    "success",
]
