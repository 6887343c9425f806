"""boto3 factory: one client per service, call limits and process, local endpoint aware.

boto3 reads `AWS_ENDPOINT_URL` itself, so pointing a process at moto server needs no
code here; this module only caches clients (creating one costs ~50 ms on a cold start).
Clients default to botocore's timeouts (60 s) and standard retries; calls on the proxy's
hot path use tighter `CallLimits`, so an unreachable service costs a request seconds,
not minutes.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config

_CONFIG = Config(retries={"mode": "standard", "max_attempts": 5}, max_pool_connections=32)


@dataclass(frozen=True)
class CallLimits:
    """Per-call bounds: connect and read timeout (each), and attempts including the first."""

    timeout_s: float
    attempts: int

    def config(self) -> Config:
        """The botocore configuration of these limits."""
        return Config(
            connect_timeout=self.timeout_s,
            read_timeout=self.timeout_s,
            retries={"mode": "standard", "total_max_attempts": self.attempts},
            max_pool_connections=32,
        )


@functools.cache
def _session() -> boto3.session.Session:
    return boto3.session.Session()


def client(service: str, limits: CallLimits | None = None) -> Any:
    """Return the process-wide boto3 client for `service` (and `limits`, if given)."""
    return _client(service, limits)  # one cache key however `limits` is passed


@functools.cache
def _client(service: str, limits: CallLimits | None) -> Any:
    return _session().client(service, config=limits.config() if limits else _CONFIG)


@functools.cache
def _dynamodb(limits: CallLimits | None) -> Any:
    return _session().resource("dynamodb", config=limits.config() if limits else _CONFIG)


def table(name: str, limits: CallLimits | None = None) -> Any:
    """Return a DynamoDB Table resource (Python-native attribute values)."""
    return _dynamodb(limits).Table(name)


def reset() -> None:
    """Forget cached sessions and clients (tests switch between moto backends)."""
    for cached in (_session, _client, _dynamodb):
        cached.cache_clear()
