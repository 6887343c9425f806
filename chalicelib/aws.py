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
from typing import TYPE_CHECKING, Any, Literal, overload

import boto3
from botocore.config import Config

if TYPE_CHECKING:  # the boto3 type stubs are a development dependency only
    from mypy_boto3_dynamodb import DynamoDBClient, DynamoDBServiceResource
    from mypy_boto3_dynamodb.service_resource import Table
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_secretsmanager import SecretsManagerClient
    from mypy_boto3_sqs import SQSClient

Service = Literal["dynamodb", "s3", "sqs", "secretsmanager", "kms"]

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


@overload
def client(service: Literal["dynamodb"], limits: CallLimits | None = None) -> DynamoDBClient: ...
@overload
def client(service: Literal["s3"], limits: CallLimits | None = None) -> S3Client: ...
@overload
def client(service: Literal["sqs"], limits: CallLimits | None = None) -> SQSClient: ...
@overload
def client(
    service: Literal["secretsmanager"], limits: CallLimits | None = None
) -> SecretsManagerClient: ...
@overload
def client(service: Literal["kms"], limits: CallLimits | None = None) -> Any: ...
def client(service: Service, limits: CallLimits | None = None) -> Any:
    """Return the process-wide boto3 client for `service` (and `limits`, if given)."""
    return _client(service, limits)  # one cache key however `limits` is passed


@functools.cache
def _client(service: Service, limits: CallLimits | None) -> Any:
    return _session().client(service, config=limits.config() if limits else _CONFIG)


@functools.cache
def _dynamodb(limits: CallLimits | None) -> DynamoDBServiceResource:
    return _session().resource("dynamodb", config=limits.config() if limits else _CONFIG)


def table(name: str, limits: CallLimits | None = None) -> Table:
    """Return a DynamoDB Table resource (Python-native attribute values)."""
    return _dynamodb(limits).Table(name)


def reset() -> None:
    """Forget cached sessions and clients (tests switch between moto backends)."""
    for cached in (_session, _client, _dynamodb):
        cached.cache_clear()
