"""A ProxyService over moto with every feature wired, an httpx MockTransport as the
provider, and its AWS and provider calls recorded (shared by the proxy's unit tests)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx

from chalicelib import aws, wiring
from chalicelib.accounts.store import AccountStore
from chalicelib.budget import Ledger
from chalicelib.cache import ResponseCache
from chalicelib.logstore.bodies import S3BodyStore
from chalicelib.logstore.reader import LogReader
from chalicelib.logstore.record import LogRecord
from chalicelib.logstore.record_item import record_from_item
from chalicelib.logstore.sink import DirectLogSink, LogSink, QueueLogSink
from chalicelib.providers.registry import PROVIDERS, ProviderRegistry
from chalicelib.proxy.auth import GatewayAuth
from chalicelib.proxy.gateway_cache import GatewayCache
from chalicelib.proxy.service import ProxyRequest, ProxyResponse, ProxyService
from chalicelib.proxy.spend import SpendGuard
from chalicelib.proxy.upstream import UpstreamClient
from chalicelib.ratelimit import RateLimiter
from chalicelib.settings import Settings
from tests.support.tenants import Tenant

CLIENT_KEY = "sk-client-secret-0123456789"
CHAT_REQUEST = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi there"}]}
CHAT_RESPONSE = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "created": 1,
    "model": "gpt-4o-mini-2024-07-18",
    "choices": [
        {
            "index": 0,
            "message": {"role": "assistant", "content": "hello"},
            "finish_reason": "stop",
        }
    ],
    "usage": {"prompt_tokens": 1000, "completion_tokens": 500, "total_tokens": 1500},
}

Handler = Callable[[httpx.Request], httpx.Response]


class ProxyHarness:
    """A ProxyService with every feature wired, its AWS calls and provider calls recorded."""

    def __init__(
        self,
        settings: Settings,
        accounts: AccountStore,
        queue: bool = False,
        providers: ProviderRegistry = PROVIDERS,
    ) -> None:
        self.settings = settings
        self.accounts = accounts
        self.bodies = S3BodyStore(aws.client("s3"), settings.bodies_bucket)
        self.handler: Handler = lambda request: httpx.Response(200, json=CHAT_RESPONSE)
        self.sent: list[httpx.Request] = []
        self.aws_calls: list[str] = []
        self.slept: list[float] = []
        clients = [aws.client("dynamodb"), aws.client("s3"), aws.client("sqs")]
        clients.append(aws.table(settings.control_table).meta.client)
        for client in clients:
            client.meta.events.register("before-call", self._count)
        s3 = aws.client("s3")
        direct = DirectLogSink(wiring.log_admission())
        sink: LogSink = direct
        if queue:
            assert settings.log_queue_url
            bodies = S3BodyStore(s3, settings.bodies_bucket)
            sink = QueueLogSink(aws.client("sqs"), settings.log_queue_url, bodies, direct)
        self.service = ProxyService(
            GatewayCache(accounts, 0 if not queue else 60),
            sink,
            UpstreamClient(transport=httpx.MockTransport(self._dispatch)),
            upstream_timeout_s=5,
            providers=providers,
            limiter=RateLimiter(aws.client("dynamodb"), settings.control_table),
            cache=ResponseCache(s3, settings.bodies_bucket),
            auth=GatewayAuth(accounts.account_of_token),
            spend=SpendGuard(Ledger(aws.client("dynamodb"), settings.control_table)),
            sleep=self.slept.append,
        )
        self.reader = LogReader(aws.table(settings.logs_table))

    def _count(self, model: Any, **_: Any) -> None:
        self.aws_calls.append(model.name)

    def _dispatch(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.sent.append(request)
        return self.handler(request)

    def request(
        self,
        tenant: Tenant,
        provider: str = "openai",
        path: str = "chat/completions",
        body: bytes = json.dumps(CHAT_REQUEST).encode(),
        headers: dict[str, str] | None = None,
        query: list[tuple[str, str]] | None = None,
    ) -> ProxyRequest:
        all_headers = {"content-type": "application/json", "authorization": f"Bearer {CLIENT_KEY}"}
        all_headers.update(headers or {})
        return ProxyRequest(
            tenant.account_id,
            tenant.gateway_id,
            provider,
            path.split("/"),
            "POST",
            all_headers,
            body,
            query or [],
        )

    def call(self, tenant: Tenant, **kwargs: Any) -> ProxyResponse:
        return self.service.handle(self.request(tenant, **kwargs))

    def universal(
        self, tenant: Tenant, steps: Any, headers: dict[str, str] | None = None
    ) -> ProxyResponse:
        request = self.request(tenant, provider="", path="", body=json.dumps(steps).encode())
        request.headers = {"content-type": "application/json", **(headers or {})}
        return self.service.handle_universal(request)

    def log(self, tenant: Tenant, response: ProxyResponse) -> LogRecord:
        log_id = response.headers["aig-log-id"]
        assert isinstance(log_id, str)
        record = self.reader.get(tenant.account_id, tenant.gateway_id, log_id, 16)
        assert record is not None
        return record

    def stored_items(self) -> list[dict[str, Any]]:
        return aws.table(self.settings.logs_table).scan()["Items"]

    def records(self) -> list[LogRecord]:
        items = aws.table(self.settings.logs_table).scan()["Items"]
        return sorted((record_from_item(item) for item in items), key=lambda r: r.id)

    def configure(self, tenant: Tenant, **changes: Any) -> None:
        self.accounts.update_gateway(tenant.account_id, tenant.gateway_id, changes)
