"""Builds the services of one process from its settings, once, on first use."""

from __future__ import annotations

import functools
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chalicelib import aws, budget
from chalicelib.accounts import AccountStore, Gateway, Quota
from chalicelib.api.analytics_api import AnalyticsApi
from chalicelib.api.auth import AccountAuth
from chalicelib.api.custom_providers import CustomProvidersApi
from chalicelib.api.evals_api import EvalsApi
from chalicelib.api.gateway_urls import GatewayUrlsApi
from chalicelib.api.logs_api import LogsApi
from chalicelib.api.management import ManagementApi
from chalicelib.api.provider_configs import ProviderConfigsApi
from chalicelib.cache import ResponseCache
from chalicelib.custom_providers import PREFIX, CustomProviderStore
from chalicelib.evals import EvalStore, Evaluations, LogCollector
from chalicelib.health import deep_checks
from chalicelib.logstore import (
    BatchAdmission,
    BatchWriter,
    DirectLogSink,
    IntentRepair,
    LogAdmission,
    LogMaintenance,
    LogReader,
    LogSearcher,
    LogSink,
    PackCompactor,
    QueueLogSink,
    QueuePoller,
    RepairReport,
    Rollups,
    S3BodyStore,
    account_ids,
    delete_messages,
    deployment_secret,
    managed_secret,
)
from chalicelib.provider_keys import (
    FileKeyWrapper,
    KeyUnavailable,
    KeyWrapper,
    KmsKeyWrapper,
    ProviderKeyStore,
)
from chalicelib.providers import PROVIDERS
from chalicelib.proxy import (
    CustomProviders,
    GatewayAuth,
    GatewayCache,
    ProxyService,
    SpendGuard,
    StoredKeys,
    UpstreamClient,
)
from chalicelib.ratelimit import RateLimiter
from chalicelib.settings import Settings

if TYPE_CHECKING:  # imports pyarrow: only where an export runs (never on `import app`)
    from chalicelib.export import ScheduleReport, StoreExport


@functools.cache
def settings() -> Settings:
    """This process's settings."""
    return Settings.from_env()


def accounts() -> AccountStore:
    """The control table of this deployment."""
    return AccountStore(aws.table(settings().control_table), aws.client("dynamodb"))


def hot_path_limits() -> aws.CallLimits:
    """Timeouts and attempts of the proxy's AWS calls (AIG_HOT_PATH_AWS_*)."""
    config = settings()
    return aws.CallLimits(config.hot_path_aws_timeout_s, config.hot_path_aws_attempts)


def _bodies(limits: aws.CallLimits | None = None) -> S3BodyStore:
    return S3BodyStore(aws.client("s3", limits), settings().bodies_bucket)


def _quota(limits: aws.CallLimits | None = None) -> Quota:
    return Quota(settings().control_table, aws.client("dynamodb", limits))


def log_admission(limits: aws.CallLimits | None = None) -> LogAdmission:
    """Admits logs one at a time with their counts and rollups; its AWS calls within
    `limits` when given (on the proxy's hot path)."""
    config = settings()
    return LogAdmission(
        aws.client("dynamodb", limits),
        config.logs_table,
        _quota(limits),
        _bodies(limits),
        LogSearcher(aws.table(config.logs_table, limits)),
        Rollups(config.control_table),
    )


def log_maintenance() -> LogMaintenance:
    """Deletes (releasing their counts), annotates, trims and purges stored logs."""
    config = settings()
    return LogMaintenance(
        aws.client("dynamodb"),
        config.logs_table,
        _quota(),
        _bodies(),
        LogSearcher(aws.table(config.logs_table)),
    )


def batch_admission() -> BatchAdmission:
    """Stores a gateway's batch of logs (reserve, put, settle)."""
    config = settings()
    return BatchAdmission(
        aws.client("dynamodb"),
        config.logs_table,
        _quota(),
        Rollups(config.control_table),
        fallback=log_admission(),
    )


def intent_repair() -> IntentRepair:
    """Settles the batch intents whose messages never came back."""
    config = settings()
    return IntentRepair(
        aws.client("dynamodb"),
        config.logs_table,
        _quota(),
        Rollups(config.control_table),
    )


def repair_intents(budget_s: float) -> RepairReport:
    """Settle every account's abandoned intents within `budget_s` (scheduled daily)."""
    accounts = account_ids(aws.table(settings().control_table))
    return intent_repair().repair(accounts, time.time(), time.monotonic() + budget_s)


def store_export() -> StoreExport:
    """Exports gateways' logs to Parquet straight from the log store (imports pyarrow)."""
    from chalicelib.export import StoreExport

    config = settings()
    return StoreExport(accounts(), LogSearcher(aws.table(config.logs_table)), _bodies())


def export_logs(remaining_s: float) -> ScheduleReport:
    """Export the due hours of every gateway with logpush on, within the invocation's
    `remaining_s` (scheduled hourly; imports pyarrow, from the export function's layer)."""
    from chalicelib.export import ScheduledExport, export_budget_s

    config = settings()
    scheduled = ScheduledExport(
        accounts(), store_export(), aws.client("s3"), config.bodies_bucket, config.export_bodies
    )
    return scheduled.run(datetime.now(UTC), export_budget_s(remaining_s))


def batch_writer() -> BatchWriter:
    """The log pipeline's consumer."""
    return BatchWriter(batch_admission(), _bodies())


def _queue_url() -> str:
    url = settings().log_queue_url
    if not url:
        raise ValueError("AIG_LOG_QUEUE_URL is required by the queue log sink")
    return url


def _sink(limits: aws.CallLimits) -> LogSink:
    kind = settings().log_sink
    if kind == "direct":
        return DirectLogSink(log_admission(limits))
    if kind == "queue":
        return QueueLogSink(
            aws.client("sqs", limits),
            _queue_url(),
            _bodies(limits),
            fallback=DirectLogSink(log_admission(limits)),
        )
    raise ValueError(f"AIG_LOG_SINK={kind!r} is not available (known: direct, queue)")


def delete_stored_messages(receipt_handles: list[str]) -> None:
    """Delete log messages whose logs are stored (see consumer.handle_sqs_event)."""
    delete_messages(aws.client("sqs"), _queue_url(), receipt_handles)


def pack_compactor() -> PackCompactor:
    """The compactor of body packs (scheduled hourly)."""
    config = settings()
    return PackCompactor(aws.client("s3"), config.bodies_bucket, aws.table(config.logs_table))


@functools.cache
def local_poller() -> QueuePoller:
    """The poller that stands in for the SQS trigger under `chalice local` (started once)."""
    return QueuePoller(aws.client("sqs"), _queue_url(), batch_writer()).start()


@functools.cache
def proxy_service() -> ProxyService:
    """The process-wide proxy (its upstream client keeps connections alive); its AWS
    calls are bounded by `hot_path_limits()`, and its control-table reads survive an
    outage of the table for `gateway_stale_if_error_s`."""
    config = settings()
    limits = hot_path_limits()
    store = AccountStore(aws.table(config.control_table, limits), aws.client("dynamodb", limits))
    stale_s = config.gateway_stale_if_error_s
    table = aws.table(config.control_table, limits)
    custom = CustomProviderStore(table, aws.client("dynamodb", limits))
    keys = ProviderKeyStore(table, lambda: key_wrapper(limits))
    return ProxyService(
        GatewayCache(store, config.gateway_cache_s, stale_s=stale_s),
        _sink(limits),
        UpstreamClient(),
        config.upstream_timeout_s,
        providers=PROVIDERS.with_urls(config.provider_urls),
        limiter=rate_limiter(limits),
        cache=response_cache(limits),
        auth=GatewayAuth(store.account_of_token, stale_s=stale_s),
        keys=StoredKeys(keys, config.gateway_cache_s, config.provider_key_cache_s, stale_s),
        custom=CustomProviders(custom, config.gateway_cache_s, stale_s),
        spend=SpendGuard(ledger(limits)),
    )


def ledger(limits: aws.CallLimits | None = None) -> budget.Ledger:
    """The counters of spend and token limits (in the control table)."""
    return budget.Ledger(aws.client("dynamodb", limits), settings().control_table)


def spend_usage(gateway: Gateway) -> list[dict[str, Any]]:
    """Usage against a gateway's spend and token limits, now."""
    return budget.usage(
        aws.client("dynamodb"),
        settings().control_table,
        budget.spend_pk(gateway.account_id, gateway.id),
        budget.compile_rules(gateway.spend_limits),
        time.time(),
    )


def forget_spend(account_id: str, gateway_id: str) -> int:
    """Delete a deleted gateway's spend counters (bounded; TTL removes any rest)."""
    return budget.forget(
        aws.client("dynamodb"), settings().control_table, budget.spend_pk(account_id, gateway_id)
    )


@functools.cache
def key_wrapper(limits: aws.CallLimits | None = None) -> KeyWrapper:
    """What wraps the data keys of stored provider keys (AIG_KEY_WRAPPER): KMS deployed, the
    local key file under `make run`; KeyUnavailable when neither is configured."""
    config = settings()
    kind = config.key_wrapper or (
        "kms" if config.provider_keys_kms_key else "local" if config.local_key_file else None
    )
    if kind == "kms" and config.provider_keys_kms_key:
        return KmsKeyWrapper(aws.client("kms", limits), config.provider_keys_kms_key)
    if kind == "local" and config.local_key_file:
        return FileKeyWrapper(Path(config.local_key_file))
    raise KeyUnavailable("stored provider keys are not configured (AIG_KEY_WRAPPER)")


def custom_provider_store() -> CustomProviderStore:
    """The account's custom providers in the control table."""
    return CustomProviderStore(aws.table(settings().control_table), aws.client("dynamodb"))


def provider_key_store() -> ProviderKeyStore:
    """The gateways' stored provider keys in the control table."""
    return ProviderKeyStore(aws.table(settings().control_table), key_wrapper)


def known_provider(account_id: str, slug: str) -> bool:
    """Whether the account's gateways proxy to `slug`: a built-in provider, the unified API
    (`compat`), or one of the account's custom providers (`custom-{slug}`)."""
    if slug in PROVIDERS or slug == "compat":
        return True
    name = slug.removeprefix(PREFIX)
    found = name != slug and custom_provider_store().by_slug(account_id, name)
    return bool(found and found.enable)


@functools.cache
def provider_configs_api() -> ProviderConfigsApi:
    """The process-wide provider keys API."""
    return ProviderConfigsApi(
        accounts(),
        provider_key_store(),
        lambda account_id, slug: slug != "compat" and known_provider(account_id, slug),
    )


@functools.cache
def custom_providers_api() -> CustomProvidersApi:
    """The process-wide custom providers API."""
    return CustomProvidersApi(custom_provider_store(), settings().custom_provider_loopback)


@functools.cache
def gateway_urls_api() -> GatewayUrlsApi:
    """The process-wide gateway URLs API."""
    return GatewayUrlsApi(accounts(), known_provider, settings().data_plane_url)


def rate_limiter(limits: aws.CallLimits | None = None) -> RateLimiter:
    """The per-gateway rate limiter (windows in the control table)."""
    return RateLimiter(aws.client("dynamodb", limits), settings().control_table)


def response_cache(limits: aws.CallLimits | None = None) -> ResponseCache:
    """The response cache (objects under `cache/` in the bodies bucket)."""
    return ResponseCache(aws.client("s3", limits), settings().bodies_bucket)


@functools.cache
def account_auth() -> AccountAuth:
    """The process-wide authentication of management, logs and analytics requests."""
    return AccountAuth(accounts().account_of_token)


@functools.cache
def management_api() -> ManagementApi:
    """The process-wide gateway management API."""
    config = settings()
    forget = functools.partial(
        Rollups(config.control_table).delete_all, aws.table(config.control_table)
    )
    cleanups = (
        response_cache().purge,
        rate_limiter().forget,
        evaluations().forget,
        forget_spend,
        provider_key_store().delete_all,
    )
    return ManagementApi(
        accounts(), log_maintenance(), forget, cleanups=cleanups, spend_usage=spend_usage
    )


@functools.cache
def analytics_api() -> AnalyticsApi:
    """The process-wide analytics API (answers from rollups only)."""
    config = settings()
    return AnalyticsApi(accounts(), Rollups(config.control_table), aws.table(config.control_table))


def health_checks() -> dict[str, str]:
    """The deep health check of this process's dependencies (chalicelib.health)."""
    limits = hot_path_limits()
    return deep_checks(
        settings(),
        aws.client("dynamodb", limits),
        aws.client("s3", limits),
        aws.client("sqs", limits),
    )


def cursor_secret() -> bytes:
    """AIG_CURSOR_SECRET, else the Secrets Manager secret at AIG_CURSOR_SECRET_ARN, else
    the deployment's own secret (read from its control table)."""
    config = settings()
    if config.cursor_secret:
        return config.cursor_secret
    if config.cursor_secret_arn:
        return managed_secret(aws.client("secretsmanager"), config.cursor_secret_arn)
    return deployment_secret(aws.table(config.control_table))


@functools.cache
def logs_api() -> LogsApi:
    """The process-wide logs API."""
    config = settings()
    logs = aws.table(config.logs_table)
    return LogsApi(
        accounts(),
        LogReader(logs),
        LogSearcher(logs),
        log_maintenance(),
        _bodies(),
        cursor_secret(),
    )


def evaluations() -> Evaluations:
    """Datasets and evaluations of gateways (in the control table), run over the logs."""
    config = settings()
    return Evaluations(
        accounts(),
        EvalStore(aws.table(config.control_table), aws.client("dynamodb")),
        LogCollector(LogSearcher(aws.table(config.logs_table))),
    )


@functools.cache
def evals_api() -> EvalsApi:
    """The process-wide datasets, evaluations and evaluation-types API."""
    return EvalsApi(evaluations())


def reset() -> None:
    """Forget built services (tests change settings between cases)."""
    cached_services = (
        settings,
        proxy_service,
        account_auth,
        management_api,
        logs_api,
        analytics_api,
        key_wrapper,
        provider_configs_api,
        custom_providers_api,
        gateway_urls_api,
    )
    for cached in cached_services:
        cached.cache_clear()
    evals_api.cache_clear()
    aws.reset()
