"""boto3 factory: one client per service and process, local endpoint aware.

boto3 reads `AWS_ENDPOINT_URL` itself, so pointing a process at moto server needs no
code here; this module only caches clients (creating one costs ~50 ms on a cold start).
"""

from __future__ import annotations

import functools
from typing import Any

import boto3
from botocore.config import Config

_CONFIG = Config(retries={"mode": "standard", "max_attempts": 5}, max_pool_connections=32)


@functools.cache
def _session() -> boto3.session.Session:
    return boto3.session.Session()


@functools.cache
def client(service: str) -> Any:
    """Return the process-wide boto3 client for `service`."""
    return _session().client(service, config=_CONFIG)


@functools.cache
def _dynamodb() -> Any:
    return _session().resource("dynamodb", config=_CONFIG)


def table(name: str) -> Any:
    """Return a DynamoDB Table resource (Python-native attribute values)."""
    return _dynamodb().Table(name)


def reset() -> None:
    """Forget cached sessions and clients (tests switch between moto backends)."""
    for cached in (_session, client, _dynamodb):
        cached.cache_clear()
