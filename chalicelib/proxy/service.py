"""The proxy: one client request in, the provider's answer out, each attempt logged.

The stages, top to bottom:
1. admit (`_admit`): the gateway (404) and its authentication (401);
2. options (`_target`): every `aig-*` option parsed once per target (400), one target per
   request or per fallback step (proxy/options.py);
3. rate limit (`_serve`): one unit per request, whatever its steps and attempts (429,
   logged); a cache hit takes capacity too, as on Cloudflare;
4. cache (`_cached`): a hit is answered and logged with cost 0;
   spend limits (`_reserve`): each step's maximum is reserved (429, or the rule's fallback
   model), and settled with its attempts' logged cost once they end (proxy/spend.py);
5. attempts (`_answer`): retries, then the next fallback step, each attempt logged;
6. relay (`_relay`): a final answer that streams goes to the client as it arrives;
7. log (`_log`): written before answering, or when a relayed answer ends; a complete
   answer is then cached.
With authentication, rate limiting and caching off, the only AWS call is the log write.

When the control table cannot be reached: gateway settings and verified tokens are served
stale for a bounded time, then 503 (gateway_cache.py, auth.py); the rate limiter fails
open (a warning, and no limiter call for LIMITER_PAUSE_S); the response cache counts a
failed lookup as a miss and skips a failed store; a log the sink cannot hand off says
`aig-log-status: failed`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping

from chalicelib import telemetry
from chalicelib.accounts import Gateway, is_gateway_address
from chalicelib.cache import CacheOptions, ResponseCache, cache_key
from chalicelib.edge import check_segments
from chalicelib.errors import ApiError, BadRequest, NotFound, RateLimited, Unauthorized
from chalicelib.logstore import LogSink, WriteOutcome, new_log_id
from chalicelib.providers import (
    OPENAI_WIRE,
    PROVIDERS,
    Provider,
    ProviderRegistry,
    is_event_stream,
    upstream_url,
)
from chalicelib.proxy import unified
from chalicelib.proxy.auth import GatewayAuth
from chalicelib.proxy.breaker import Breaker
from chalicelib.proxy.custom import CustomProviders
from chalicelib.proxy.exchange import (
    AS_SENT,
    Presentation,
    ProxyRequest,
    ProxyResponse,
    Target,
    UpstreamCall,
)
from chalicelib.proxy.gateway_cache import GatewaySource
from chalicelib.proxy.headers import downstream_headers, upstream_headers
from chalicelib.proxy.log_entry import Context, Outcome, log_entry, measure
from chalicelib.proxy.options import parse_options
from chalicelib.proxy.relay import Relay, RelayEnd, Sample, split_events, tap
from chalicelib.proxy.retry import is_retryable_status, run_attempts
from chalicelib.proxy.spend import Hold, Limited, SpendGuard, refusal_message
from chalicelib.proxy.stale import SOURCE_ERRORS
from chalicelib.proxy.stored_keys import StoredKeys
from chalicelib.proxy.universal import parse_steps
from chalicelib.proxy.upstream import UpstreamClient, UpstreamResponse, UpstreamStream
from chalicelib.ratelimit import RateDecision, RateLimiter
from chalicelib.telemetry import Metric

__all__ = ["ProxyRequest", "ProxyResponse", "ProxyService"]

logger = logging.getLogger(__name__)

BUFFERED_BYTES = 1024 * 1024
"""Answers with a Content-Length up to this are read whole, then logged, then answered
(`aig-log-status` says what became of the log); streamed and larger ones are relayed.
"""
LIMITER_PAUSE_S = 5.0
"""After the rate limiter fails, requests go unlimited this long before it is asked again."""


class ProxyService:
    """Proxies requests to providers and logs each attempt through a LogSink.

    Without `limiter` gateways are not rate limited, without `cache` nothing is cached,
    and without `auth` authenticated gateways refuse every request. `providers` are the
    providers it serves (their deployment's base URLs); `custom` adds each account's
    custom providers (`custom-{slug}`), `keys` the gateways' stored provider keys.
    """

    def __init__(
        self,
        accounts: GatewaySource,
        sink: LogSink,
        upstream: UpstreamClient,
        upstream_timeout_s: float,
        *,
        providers: ProviderRegistry = PROVIDERS,
        limiter: RateLimiter | None = None,
        cache: ResponseCache | None = None,
        auth: GatewayAuth | None = None,
        spend: SpendGuard | None = None,
        keys: StoredKeys | None = None,
        custom: CustomProviders | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._accounts = accounts
        self._sink = sink
        self._upstream = upstream
        self._timeout_s = upstream_timeout_s
        self._providers = providers
        self._limiter = limiter
        self._cache = cache
        self._auth = auth
        self._spend = spend
        self._keys = keys
        self._custom = custom
        self._sleep = sleep
        self._limiter_breaker = Breaker(LIMITER_PAUSE_S, clock)

    def handle(self, request: ProxyRequest) -> ProxyResponse:
        """Proxy one request; raise ApiError for requests that cannot be proxied at all."""
        if request.provider == unified.COMPAT:
            return self._handle_compat(request)
        provider = self._provider(request.provider, request.account_id)
        gateway = self._admit(request)
        call = UpstreamCall(
            provider,
            request.method,
            check_segments(request.path_segments),
            request.query,
            upstream_headers(request.headers),
            request.body,
        )
        target = self._target(gateway, request.headers, call)
        return self._serve(Context(request, gateway, target.options.log.event_id), [target])

    def handle_universal(self, request: ProxyRequest) -> ProxyResponse:
        """`POST /v1/{a}/{g}`: steps tried in order until one does not fail; `aig-step`
        names it. A step's headers are merged over the request's. All attempts share one
        event id (the client's `aig-event-id` or new)."""
        gateway = self._admit(request)
        targets = []
        for index, step in enumerate(parse_steps(request.body)):
            try:
                call = UpstreamCall(
                    self._provider(step.provider, request.account_id),
                    "POST",
                    check_segments(step.path_segments),
                    step.query,
                    upstream_headers(step.headers),
                    step.body,
                )
                targets.append(self._target(gateway, {**request.headers, **step.headers}, call))
            except BadRequest as exc:
                raise BadRequest(f"step {index}: {exc.message}") from exc
        event_id = targets[0].options.log.event_id or new_log_id()
        return self._serve(Context(request, gateway, event_id), targets, universal=True)

    def _handle_compat(self, request: ProxyRequest) -> ProxyResponse:
        """The unified API; its errors come in OpenAI's shape."""
        try:
            gateway = self._admit(request)
            translation = unified.translate(request, self._providers)
            call = UpstreamCall(
                self._provider(translation.provider),
                "POST",
                check_segments(translation.path_segments),
                translation.query,
                translation.translate_headers(upstream_headers(request.headers)),
                translation.body,
            )
            presentation = Presentation(
                present=unified.presenter(translation),
                present_error=unified.openai_error,
                model=translation.model,
                answer_format=(OPENAI_WIRE, "/".join(request.path_segments)),
            )
            target = self._target(gateway, request.headers, call, presentation, request.body)
        except ApiError as exc:
            return unified.openai_error(exc)
        return self._serve(Context(request, gateway, target.options.log.event_id), [target])

    def _provider(self, slug: str, account_id: str = "") -> Provider:
        """A built-in provider, or one of the account's custom providers; BadRequest."""
        provider = self._providers.get(slug)
        if provider is None and self._custom is not None:
            provider = self._custom.provider(account_id, slug)
        if provider is None:
            known = ", ".join(sorted(self._providers))
            raise BadRequest(f"unknown provider {slug!r}; known: {known}")
        return provider

    def _admit(self, request: ProxyRequest) -> Gateway:
        """The open gateway of the request, once the request is authenticated for it."""
        gateway = (
            self._accounts.get_gateway(request.account_id, request.gateway_id)
            if is_gateway_address(request.account_id, request.gateway_id)
            else None
        )
        if gateway is None or gateway.deleting:
            raise NotFound(f"gateway {request.account_id[:64]}/{request.gateway_id[:64]} not found")
        if gateway.authentication:
            if self._auth is None:
                raise Unauthorized("gateway authentication is not available")
            self._auth.check(request.headers, request.account_id)
        return gateway

    def _target(
        self,
        gateway: Gateway,
        headers: Mapping[str, str],
        call: UpstreamCall,
        presentation: Presentation = AS_SENT,
        logged_body: bytes | None = None,
    ) -> Target:
        """`call` with the options its request `headers` ask for, parsed once (400 if bad);
        the log keeps `logged_body` (the client's body, when `call` sends another); a stored
        provider key replaces the client's where it applies (stored_keys.py)."""
        if self._keys is not None:
            authorise = self._auth.check if self._auth is not None else None
            call = self._keys.apply(gateway, headers, call, authorise)
        return Target(
            call,
            parse_options(headers, gateway, self._timeout_s, call.method),
            call.body if logged_body is None else logged_body,
            headers.get("content-type"),
            presentation,
        )

    def _serve(
        self, context: Context, targets: list[Target], universal: bool = False
    ) -> ProxyResponse:
        """Answer with the first target that does not fail; the whole request takes one unit
        of rate-limit capacity, whatever the number of steps and attempts."""
        decision = self._acquire(context.gateway)
        if not decision.allowed:
            return self._rate_limited(context, targets[0], decision)
        for step, target in enumerate(targets):
            response, failed = self._answer(context, target, step)
            if universal:
                response.headers["aig-step"] = str(step)
            if not failed:
                break
        return response

    def _acquire(self, gateway: Gateway) -> RateDecision:
        """The limiter's decision; allowed (fail open) while the limiter cannot be reached."""
        if self._limiter is None or not self._limiter_breaker.allows():
            return RateDecision(allowed=True, retry_after_s=0)
        try:
            return self._limiter.acquire(
                gateway.account_id,
                gateway.id,
                gateway.rate_limiting_limit,
                gateway.rate_limiting_interval,
                gateway.rate_limiting_technique,
            )
        except SOURCE_ERRORS as exc:
            self._limiter_breaker.failed()
            logger.warning(
                "rate limiter unavailable (%s): requests are not limited for %s s",
                exc,
                LIMITER_PAUSE_S,
            )
            return RateDecision(allowed=True, retry_after_s=0)

    def _rate_limited(
        self, context: Context, target: Target, decision: RateDecision
    ) -> ProxyResponse:
        error = RateLimited(
            f"rate limit of gateway {context.gateway.id} reached: retry after"
            f" {decision.retry_after_s} s"
        )
        response = target.presentation.present_error(error)
        response.headers["Retry-After"] = str(decision.retry_after_s)
        outcome = Outcome(response, response, duration_ms=0, error=error.message)
        self._log(context, target, 0, outcome)
        return response

    def _answer(self, context: Context, target: Target, step: int) -> tuple[ProxyResponse, bool]:
        """Answer from the cache or the provider; also say whether the step failed
        (connection error, timeout, 429 or 5xx after its retries). A final answer that
        streams (no Content-Length, or a large one) is relayed as it arrives."""
        key = self._cache_key(context, target)
        if key is not None:
            hit = self._cached(context, target, step, key)
            if hit is not None:
                return hit, False
        reserved = self._reserve(context, target)
        if isinstance(reserved, Limited):
            return self._spend_limited(context, target, step, reserved), True
        hold, called = reserved
        if called is not target:  # a fallback model answers: not for the original's cache key
            key, target = None, called
        try:
            return self._attempts(context, target, step, key, hold)
        except BaseException:
            if hold is not None:
                self._settle(hold)
            raise

    def _attempts(
        self, context: Context, target: Target, step: int, key: str | None, hold: Hold | None
    ) -> tuple[ProxyResponse, bool]:
        """The step's attempts; its reservation settled when they end (a relayed answer:
        when the relay ends)."""
        call = target.call
        url = upstream_url(call.provider, call.path_segments, call.query)

        def send(timeout_s: float) -> UpstreamResponse | UpstreamStream:
            answer = self._upstream.open(
                call.provider.slug,
                call.method,
                url,
                call.headers,
                call.body,
                timeout_s,
                body_timeout_s=max(timeout_s, self._timeout_s),
            )
            return answer if _streams(answer) else answer.read()

        for attempt in run_attempts(send, target.options.attempts, self._sleep):
            if isinstance(attempt.answer, UpstreamStream):
                return self._relay(context, target, step, key, attempt.answer, hold), False
            if attempt.answer is not None:
                answer = attempt.answer
                native = ProxyResponse(
                    answer.status, downstream_headers(answer.headers), answer.body
                )
                presented = target.presentation.present(native)
            else:
                assert attempt.error is not None
                native = presented = target.presentation.present_error(attempt.error)
            outcome = Outcome(
                native,
                presented,
                attempt.duration_ms,
                first_byte_ms=attempt.answer.first_byte_ms if attempt.answer else None,
                error=attempt.error.message if attempt.error else None,
            )
            if key is not None:
                outcome.response.headers["aig-cache-status"] = "MISS"
            self._log(context, target, step, outcome, hold=hold)
        if hold is not None:
            self._settle(hold)
        if key is not None and attempt.answer is not None:
            assert self._cache is not None
            self._cache.put(key, outcome.response, target.options.cache.ttl_s)
        return outcome.response, attempt.retryable

    def _cached(
        self, context: Context, target: Target, step: int, key: str
    ) -> ProxyResponse | None:
        """The cached answer, logged; an event stream replays as a stream of its events."""
        assert self._cache is not None
        started = time.perf_counter()
        hit = self._cache.get(key)
        if hit is None:
            return None
        # what the client got the first time, byte for byte
        answer = ProxyResponse(hit.status, downstream_headers(list(hit.headers.items())), hit.body)
        answer.headers["aig-cache-status"] = "HIT"
        duration_ms = round((time.perf_counter() - started) * 1000)
        self._log(context, target, step, Outcome(answer, answer, duration_ms, cached=True))
        if not is_event_stream(answer.content_type):
            return answer
        return ProxyResponse(answer.status, answer.headers, chunks=split_events(answer.body))

    def _relay(
        self,
        context: Context,
        target: Target,
        step: int,
        key: str | None,
        answer: UpstreamStream,
        hold: Hold | None,
    ) -> ProxyResponse:
        """The provider's answer as the client gets it, chunk by chunk as it arrives; its
        log is written (and, complete, it is cached) once the relay ends. `aig-log-id`
        names the log to come; `aig-log-status` is known only after the body."""
        sample = Sample(is_event_stream(answer.content_type))
        native = ProxyResponse(
            answer.status,
            downstream_headers(answer.headers),
            chunks=tap(answer.chunks(), sample),
        )
        presented = target.presentation.present(native)
        log_id = new_log_id()
        if key is not None:
            presented.headers["aig-cache-status"] = "MISS"
        if self._collects_log(context, target):
            presented.headers["aig-log-id"] = log_id

        def finish(end: RelayEnd) -> None:
            answer.close()  # also when the relay never started pulling from it
            client_got = ProxyResponse(presented.status, presented.headers, end.body)
            outcome = Outcome(
                ProxyResponse(native.status, native.headers, sample.body()),
                client_got,
                answer.elapsed_ms(),
                first_byte_ms=answer.first_byte_ms,
                error=end.error,
                response_size=end.size,
            )
            self._log(context, target, step, outcome, log_id, hold)
            if hold is not None:
                self._settle(hold)
            if key is not None and end.error is None and end.size == len(end.body):
                assert self._cache is not None
                self._cache.put(key, client_got, target.options.cache.ttl_s)

        return ProxyResponse(
            presented.status,
            presented.headers,
            chunks=Relay(presented.iter_body(), finish, answer.abort),
        )

    def _reserve(self, context: Context, target: Target) -> tuple[Hold | None, Target] | Limited:
        """The step's reservation under the gateway's spend and token limits (None when
        none applies) and the target to call: the rule's fallback model when the limit
        is reached and the fallback fits; else the refusal."""
        if self._spend is None:
            return None, target
        reserved = self._spend.reserve(context, target)
        if isinstance(reserved, Limited) and reserved.fallback is not None:
            again = self._spend.reserve(context, reserved.fallback)
            if isinstance(again, Limited):
                return Limited(reserved.refusal, None)
            return again, reserved.fallback
        if isinstance(reserved, Limited):
            return reserved
        return reserved, target

    def _settle(self, hold: Hold) -> None:
        assert self._spend is not None
        self._spend.settle(hold)

    def _spend_limited(
        self, context: Context, target: Target, step: int, limited: Limited
    ) -> ProxyResponse:
        """The 429 of a reached spend or token limit, logged."""
        refusal = limited.refusal
        error = RateLimited(refusal_message(refusal, context.gateway.id))
        response = target.presentation.present_error(error)
        if refusal.retry_after_s:
            response.headers["Retry-After"] = str(refusal.retry_after_s)
        self._log(context, target, step, Outcome(response, response, 0, error=error.message))
        return response

    def _cache_key(self, context: Context, target: Target) -> str | None:
        """The cache key of the target, None when it is not cached."""
        options: CacheOptions = target.options.cache
        if self._cache is None or not options.enabled:
            return None
        return cache_key(
            context.request.account_id,
            context.request.gateway_id,
            context.gateway.cache_generation,
            provider=target.call.provider.slug,
            method=target.call.method,
            path=target.call.path,
            query=target.call.query,
            headers=target.call.headers,
            body=target.call.body,
            custom_key=options.custom_key,
            key_includes_credentials=context.gateway.cache_key_includes_credentials,
        )

    def _collects_log(self, context: Context, target: Target) -> bool:
        return context.gateway.collect_logs and target.options.log.collect_log

    def _log(
        self,
        context: Context,
        target: Target,
        step: int,
        outcome: Outcome,
        log_id: str | None = None,
        hold: Hold | None = None,
    ) -> None:
        """Write the outcome's log; say in the client's response headers what became of it.
        A step's `hold` learns what the outcome cost (the cost its log records)."""
        headers = outcome.response.headers
        measured = None
        if hold is not None:
            measured = measure(target, outcome)
            hold.measures.append(measured)
        if not self._collects_log(context, target):
            headers["aig-log-status"] = "skipped"
            _observe(target, outcome, None, "skipped")
            return
        log_id = log_id or new_log_id()
        try:
            entry = log_entry(log_id, context, target, step, outcome, measured)
            written = self._sink.write(entry)
        except Exception:
            logger.exception("log %s could not be written", log_id)
            headers["aig-log-status"] = "failed"
            _observe(target, outcome, log_id, "failed")
            return
        if written is not WriteOutcome.DROPPED:
            headers["aig-log-id"] = log_id
        else:
            headers.pop("aig-log-id", None)
        headers["aig-log-status"] = written.value
        _observe(target, outcome, log_id, written.value)


def _observe(target: Target, outcome: Outcome, log_id: str | None, log_status: str) -> None:
    """Count the outcome and say it in one structured line, correlated by its log id;
    published at once (a relayed answer ends after its request handler returned)."""
    telemetry.count(Metric.PROXIED_REQUESTS)
    status = outcome.native.status
    if outcome.cached:
        telemetry.count(Metric.CACHE_HITS)
    elif status >= 500 or status == 429:
        telemetry.count(Metric.UPSTREAM_ERRORS)
    if log_status == WriteOutcome.DROPPED.value:
        telemetry.count(Metric.LOG_DROPS)
    if log_id is not None:
        telemetry.correlate(log_id=log_id)
    telemetry.annotate(provider=target.call.provider.slug, status=status, cached=outcome.cached)
    telemetry.logger.info(
        "proxied",
        extra={
            "provider": target.call.provider.slug,
            "status": status,
            "duration_ms": outcome.duration_ms,
            "cached": outcome.cached,
            "log_status": log_status,
        },
    )
    telemetry.flush()
    telemetry.forget("log_id")  # the invocation's request id stays


def _streams(answer: UpstreamStream) -> bool:
    """True when the answer is relayed as it arrives: a final one (not retried) whose
    body streams (no Content-Length) or is larger than BUFFERED_BYTES."""
    if is_retryable_status(answer.status):
        return False
    length = answer.content_length
    return length is None or length > BUFFERED_BYTES
