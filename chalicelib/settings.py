"""Deployment settings, read once from the environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

DEFAULT_SHARD_COUNT = 16
DEFAULT_MAX_REQUEST_BYTES = 10 * 1024 * 1024
"""API Gateway's payload limit; on Lambda a synchronous event is capped at 6 MB anyway."""
PROVIDER_URL_PREFIX = "AIG_PROVIDER_URL_"


@dataclass(frozen=True)
class Settings:
    """Names of the AWS resources and the knobs of one deployment."""

    logs_table: str = "aig-logs"
    control_table: str = "aig-control"
    bodies_bucket: str = "aig-bodies"
    log_queue_url: str | None = None
    log_dlq_url: str | None = None
    log_queue_name: str = "aig-log-queue"
    log_sink: str = "direct"
    local_poller: bool = False
    sqs_partial_responses: bool = False
    """True where the SQS trigger reports batch item failures (the deployed stack does)."""
    upstream_timeout_s: float = 120.0
    gateway_cache_s: float = 5.0
    gateway_stale_if_error_s: float = 300.0
    """How long past `gateway_cache_s` known gateway settings (and verified gateway tokens)
    are served while the control table cannot be reached; then 503."""
    hot_path_aws_timeout_s: float = 2.0
    """Connect and read timeout of each AWS call on the proxy's hot path."""
    hot_path_aws_attempts: int = 2
    """Attempts (the first included) of each AWS call on the proxy's hot path."""
    cursor_secret: bytes | None = None
    """AIG_CURSOR_SECRET; None: the one at `cursor_secret_arn`, else the deployment's own,
    kept in its control table."""
    cursor_secret_arn: str | None = None
    """AIG_CURSOR_SECRET_ARN: the Secrets Manager secret the deploy made (infra/stack.py)."""
    max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES
    """Larger request bodies are refused with 413."""
    key_wrapper: str | None = None
    """AIG_KEY_WRAPPER: what wraps the data keys of stored provider keys, `kms` (with
    `provider_keys_kms_key`) or `local` (with `local_key_file`); None: `kms` when a KMS key
    is set, else `local` when a key file is, else stored keys are unavailable."""
    provider_keys_kms_key: str | None = None
    """AIG_PROVIDER_KEYS_KMS_KEY: the KMS key (id or ARN) of stored provider keys."""
    local_key_file: str | None = None
    """AIG_LOCAL_KEY_FILE: the master key file of the `local` wrapper (`make run`)."""
    provider_key_cache_s: float = 300.0
    """AIG_PROVIDER_KEY_CACHE_S: how long the proxy keeps an opened provider key in memory."""
    custom_provider_loopback: bool = False
    """AIG_CUSTOM_PROVIDER_LOOPBACK: custom providers may be on 127.0.0.1 / localhost over
    http (`make run` only)."""
    data_plane_url: str | None = None
    """AIG_DATA_PLANE_URL: the proxy's base URL (gateway URLs); None: the request's host."""
    export_bodies: bool = False
    """AIG_EXPORT_BODIES: whether the hourly export of logpush gateways includes bodies."""
    provider_urls: Mapping[str, str] = field(default_factory=dict)
    """Base-URL overrides from `AIG_PROVIDER_URL_<SLUG>` (non-empty ones), keyed by `<SLUG>`
    (the slug upper-cased, `-` -> `_`: `chalicelib.providers.registry.url_key`)."""

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Build settings from `AIG_*` environment variables, defaults for the rest."""
        env = os.environ if env is None else env
        defaults = cls()
        return cls(
            logs_table=env.get("AIG_LOGS_TABLE", defaults.logs_table),
            control_table=env.get("AIG_CONTROL_TABLE", defaults.control_table),
            bodies_bucket=env.get("AIG_BODIES_BUCKET", defaults.bodies_bucket),
            log_queue_url=env.get("AIG_LOG_QUEUE_URL") or None,
            log_dlq_url=env.get("AIG_LOG_DLQ_URL") or None,
            log_queue_name=env.get("AIG_LOG_QUEUE_NAME", defaults.log_queue_name),
            log_sink=env.get("AIG_LOG_SINK", defaults.log_sink),
            local_poller=env.get("AIG_LOCAL_POLLER", "") in ("1", "true"),
            sqs_partial_responses=env.get("AIG_SQS_PARTIAL_RESPONSES", "") in ("1", "true"),
            upstream_timeout_s=float(
                env.get("AIG_UPSTREAM_TIMEOUT_S", defaults.upstream_timeout_s)
            ),
            gateway_cache_s=float(env.get("AIG_GATEWAY_CACHE_S", defaults.gateway_cache_s)),
            gateway_stale_if_error_s=float(
                env.get("AIG_GATEWAY_STALE_IF_ERROR_S", defaults.gateway_stale_if_error_s)
            ),
            hot_path_aws_timeout_s=float(
                env.get("AIG_HOT_PATH_AWS_TIMEOUT_S", defaults.hot_path_aws_timeout_s)
            ),
            hot_path_aws_attempts=int(
                env.get("AIG_HOT_PATH_AWS_ATTEMPTS", defaults.hot_path_aws_attempts)
            ),
            cursor_secret=env.get("AIG_CURSOR_SECRET", "").encode() or None,
            cursor_secret_arn=env.get("AIG_CURSOR_SECRET_ARN") or None,
            max_request_bytes=int(env.get("AIG_MAX_REQUEST_BYTES", defaults.max_request_bytes)),
            key_wrapper=env.get("AIG_KEY_WRAPPER") or None,
            provider_keys_kms_key=env.get("AIG_PROVIDER_KEYS_KMS_KEY") or None,
            local_key_file=env.get("AIG_LOCAL_KEY_FILE") or None,
            provider_key_cache_s=float(
                env.get("AIG_PROVIDER_KEY_CACHE_S", defaults.provider_key_cache_s)
            ),
            custom_provider_loopback=env.get("AIG_CUSTOM_PROVIDER_LOOPBACK", "") in ("1", "true"),
            data_plane_url=env.get("AIG_DATA_PLANE_URL") or None,
            export_bodies=env.get("AIG_EXPORT_BODIES", "") in ("1", "true"),
            provider_urls={
                name.removeprefix(PROVIDER_URL_PREFIX): value
                for name, value in env.items()
                if name.startswith(PROVIDER_URL_PREFIX) and value
            },
        )
