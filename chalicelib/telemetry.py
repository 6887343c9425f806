"""The gateway's own signals (not the proxied logs): structured JSON logs, metrics, traces.

    telemetry.correlate(request_id=..., log_id=...)   # keys on every later log line
    telemetry.logger.info("proxied", extra={...})
    telemetry.count(Metric.CACHE_HITS)
    telemetry.flush()                                 # once per invocation or request
    telemetry.forget("request_id", "log_id")          # when the request is done
    with telemetry.traced("upstream openai"): ...     # an X-Ray subsegment
    telemetry.annotate(provider="openai")             # searchable in X-Ray

Powertools for AWS Lambda does the work: `Logger` writes one JSON object per line (level
from POWERTOOLS_LOG_LEVEL), `Metrics` writes CloudWatch embedded metric format to stdout,
which CloudWatch Logs turns into metrics with no API call. The stack names the service and
the namespace (POWERTOOLS_SERVICE_NAME, POWERTOOLS_METRICS_NAMESPACE); POWERTOOLS_METRICS_
DISABLED=true keeps them quiet (`make run`). `Tracer` adds X-Ray subsegments to the
function's trace (every AWS call through botocore, each upstream call, each event); it
switches itself off outside Lambda, under `chalice local` and with POWERTOOLS_TRACE_DISABLED
(the data plane: see infra/dataplane.yaml).
"""

from __future__ import annotations

import contextlib
import contextvars
import enum
import numbers
from collections.abc import Iterator
from typing import cast

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.tracing.base import BaseSegment

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
# botocore only: patching httpx would add X-Ray's trace header to every provider request.
tracer = Tracer(service=SERVICE, patch_modules=("botocore",))

Annotation = str | int | float | bool
_innermost: contextvars.ContextVar[BaseSegment | None] = contextvars.ContextVar(
    "innermost_subsegment", default=None
)


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


@contextlib.contextmanager
def traced(name: str, **annotations: Annotation) -> Iterator[None]:
    """Time the block as an X-Ray subsegment `name` carrying `annotations` (nothing when
    tracing is off)."""
    if tracer.disabled:
        yield
        return
    with tracer.provider.in_subsegment(name=name) as subsegment:
        opened = _innermost.set(subsegment)
        try:
            annotate(**annotations)
            yield
        finally:
            _innermost.reset(opened)


def annotate(**annotations: Annotation) -> None:
    """Annotate the innermost `traced` block, so traces can be searched by these values
    (nothing outside one: Lambda's own segment of the invocation takes no annotation)."""
    subsegment = _innermost.get()
    if subsegment is None:
        return
    for key, value in annotations.items():
        # int and float are `numbers.Number` at run time, which the type checker does not know
        subsegment.put_annotation(key, cast("str | numbers.Number | bool", value))
