"""Any exception raised while answering a request, as the ApiError the client gets.

Framework-free: the Chalice routes and the streaming data plane answer failures alike.
"""

from __future__ import annotations

import logging

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.errors import ApiError, ServiceUnavailable

logger = logging.getLogger(__name__)

STORE_UNAVAILABLE = "the gateway's data store cannot be reached; try again"

_THROTTLED = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "SlowDown",
    }
)


def store_unreachable(exc: Exception) -> bool:
    """True for AWS failures a retry may cure (connection errors, timeouts, throttling,
    the service's 5xx); they answer 503, not 500."""
    if isinstance(exc, BotoCoreError):
        return True
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        return error.get("Code") in _THROTTLED or status >= 500
    return False


def as_api_error(exc: Exception, where: str) -> ApiError:
    """`exc` itself if it is an ApiError; a 503 while AWS cannot be reached; else a bare
    500 (the details go to the log, never to the client). `where` names the handler."""
    if isinstance(exc, ApiError):
        return exc
    if store_unreachable(exc):
        logger.warning("%s: AWS cannot be reached: %s", where, exc)
        return ServiceUnavailable(STORE_UNAVAILABLE)
    logger.exception("unhandled error in %s", where)
    return ApiError("internal error")
