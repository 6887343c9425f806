"""The gateway's own signals (not the proxied logs): structured JSON logs and metrics.

    telemetry.correlate(request_id=..., log_id=...)   # keys on every later log line
    telemetry.logger.info("proxied", extra={...})
    telemetry.count(Metric.CACHE_HITS)
    telemetry.flush()                                 # once per invocation or request
    telemetry.forget("request_id", "log_id")          # when the request is done

Powertools for AWS Lambda does the work: `Logger` writes one JSON object per line (level
from POWERTOOLS_LOG_LEVEL), `Metrics` writes CloudWatch embedded metric format to stdout,
which CloudWatch Logs turns into metrics with no API call. The stack names the service and
the namespace (POWERTOOLS_SERVICE_NAME, POWERTOOLS_METRICS_NAMESPACE); POWERTOOLS_METRICS_
DISABLED=true keeps them quiet (`make run`).
"""

from __future__ import annotations

import enum

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

SERVICE = "ai-gateway"
NAMESPACE = "AIGateway"


class Metric(enum.StrEnum):
    """What the gateway counts."""

    PROXIED_REQUESTS = "ProxiedRequests"
    UPSTREAM_ERRORS = "UpstreamErrors"
    """Provider answers of 5xx or 429, and providers that could not be reached."""
    CACHE_HITS = "CacheHits"
    LOG_DROPS = "LogDrops"
    """Logs not stored because a gateway or account was full (counted, explained)."""
    SINK_FALLBACKS = "SinkFallbacks"
    """Logs written directly because the log queue refused them."""
    DLQ_REDRIVES = "DlqRedrives"
    """Logs moved from the dead-letter queue back to the log queue."""


logger = Logger(service=SERVICE)
_metrics = Metrics(namespace=NAMESPACE, service=SERVICE)


def correlate(**keys: str) -> None:
    """Add keys (request id, log id, ...) to every later log line of this invocation."""
    logger.append_keys(**keys)


def count(metric: Metric, value: int = 1) -> None:
    """Count `value` occurrences of `metric` (published by the next `flush`)."""
    _metrics.add_metric(name=metric.value, unit=MetricUnit.Count, value=value)


def forget(*keys: str) -> None:
    """Take correlation keys off the later log lines (their request or log is done)."""
    logger.remove_keys(list(keys))


def flush() -> None:
    """Publish the counted metrics (nothing when none)."""
    if _metrics.metric_set:
        _metrics.flush_metrics()
