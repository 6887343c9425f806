"""Builds the services of one process from its settings, once, on first use."""

from __future__ import annotations

import functools

from chalicelib import aws
from chalicelib.accounts.store import AccountStore
from chalicelib.api.management import ManagementApi
from chalicelib.logstore.bodies import S3BodyStore
from chalicelib.logstore.reader import LogReader
from chalicelib.logstore.sink import DirectLogSink, LogSink
from chalicelib.proxy.service import ProxyService
from chalicelib.proxy.upstream import UpstreamClient
from chalicelib.settings import Settings


@functools.cache
def settings() -> Settings:
    """This process's settings."""
    return Settings.from_env()


def _accounts() -> AccountStore:
    return AccountStore(aws.table(settings().control_table))


def _bodies() -> S3BodyStore:
    return S3BodyStore(aws.client("s3"), settings().bodies_bucket)


def _sink() -> LogSink:
    kind = settings().log_sink
    if kind == "direct":
        return DirectLogSink(aws.table(settings().logs_table), _bodies())
    raise ValueError(f"AIG_LOG_SINK={kind!r} is not available (known: direct)")


@functools.cache
def proxy_service() -> ProxyService:
    """The process-wide proxy (its upstream client keeps connections alive)."""
    return ProxyService(_accounts(), _sink(), UpstreamClient(), settings().upstream_timeout_s)


@functools.cache
def management_api() -> ManagementApi:
    """The process-wide management API."""
    reader = LogReader(aws.table(settings().logs_table))
    return ManagementApi(_accounts(), reader, _bodies(), settings().cursor_secret)


def reset() -> None:
    """Forget built services (tests change settings between cases)."""
    for cached in (settings, proxy_service, management_api):
        cached.cache_clear()
    aws.reset()
