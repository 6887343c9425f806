"""Builds the services of one process from its settings, once, on first use."""

from __future__ import annotations

import functools

from chalicelib import aws
from chalicelib.accounts.quota import Quota
from chalicelib.accounts.store import AccountStore
from chalicelib.api.logs_api import LogsApi
from chalicelib.api.management import ManagementApi
from chalicelib.logstore.bodies import S3BodyStore
from chalicelib.logstore.reader import LogReader
from chalicelib.logstore.search import LogSearcher
from chalicelib.logstore.sink import DirectLogSink, LogSink
from chalicelib.logstore.writer import LogWriter
from chalicelib.proxy.service import ProxyService
from chalicelib.proxy.upstream import UpstreamClient
from chalicelib.settings import Settings


@functools.cache
def settings() -> Settings:
    """This process's settings."""
    return Settings.from_env()


def accounts() -> AccountStore:
    """The control table of this deployment."""
    return AccountStore(aws.table(settings().control_table), aws.client("dynamodb"))


def log_writer() -> LogWriter:
    """The writer that admits and deletes logs with their counts."""
    config = settings()
    bodies = S3BodyStore(aws.client("s3"), config.bodies_bucket)
    return LogWriter(
        aws.client("dynamodb"),
        config.logs_table,
        Quota(config.control_table, aws.client("dynamodb")),
        bodies,
        LogReader(aws.table(config.logs_table)),
    )


def _sink() -> LogSink:
    kind = settings().log_sink
    if kind == "direct":
        return DirectLogSink(log_writer())
    raise ValueError(f"AIG_LOG_SINK={kind!r} is not available (known: direct)")


@functools.cache
def proxy_service() -> ProxyService:
    """The process-wide proxy (its upstream client keeps connections alive)."""
    return ProxyService(accounts(), _sink(), UpstreamClient(), settings().upstream_timeout_s)


@functools.cache
def management_api() -> ManagementApi:
    """The process-wide gateway management API (and authentication)."""
    return ManagementApi(accounts(), log_writer())


@functools.cache
def logs_api() -> LogsApi:
    """The process-wide logs API."""
    config = settings()
    logs = aws.table(config.logs_table)
    return LogsApi(
        accounts(),
        LogReader(logs),
        LogSearcher(logs),
        log_writer(),
        S3BodyStore(aws.client("s3"), config.bodies_bucket),
        config.cursor_secret,
    )


def reset() -> None:
    """Forget built services (tests change settings between cases)."""
    for cached in (settings, proxy_service, management_api, logs_api):
        cached.cache_clear()
    aws.reset()
