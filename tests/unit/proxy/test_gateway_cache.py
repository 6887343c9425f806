import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError

from chalicelib.accounts.models import Gateway
from chalicelib.edge.status import http_status
from chalicelib.errors import ServiceUnavailable
from chalicelib.proxy.gateway_cache import GatewayCache


class CountingSource:
    def __init__(self) -> None:
        self.reads = 0
        self.gateways = {("acme", "main"): Gateway(id="main", account_id="acme")}

    def get_gateway(self, account_id: str, gateway_id: str) -> Gateway | None:
        self.reads += 1
        return self.gateways.get((account_id, gateway_id))


def test_reads_once_per_period_per_gateway() -> None:
    source, now = CountingSource(), [100.0]
    cache = GatewayCache(source, ttl_s=5, clock=lambda: now[0])
    for _ in range(50):
        assert cache.get_gateway("acme", "main") is not None
    assert cache.get_gateway("acme", "nope") is None
    assert cache.get_gateway("acme", "nope") is None
    assert source.reads == 2
    now[0] += 5
    cache.get_gateway("acme", "main")
    assert source.reads == 3


def test_changes_show_after_the_period() -> None:
    source, now = CountingSource(), [0.0]
    cache = GatewayCache(source, ttl_s=1, clock=lambda: now[0])
    assert cache.get_gateway("acme", "main").collect_logs is True  # type: ignore[union-attr]
    source.gateways[("acme", "main")] = Gateway(id="main", account_id="acme", collect_logs=False)
    assert cache.get_gateway("acme", "main").collect_logs is True  # type: ignore[union-attr]
    now[0] = 1.0
    assert cache.get_gateway("acme", "main").collect_logs is False  # type: ignore[union-attr]


def test_zero_period_always_reads() -> None:
    source = CountingSource()
    cache = GatewayCache(source, ttl_s=0)
    cache.get_gateway("acme", "main")
    cache.get_gateway("acme", "main")
    assert source.reads == 2


class FailingSource(CountingSource):
    """A source that raises `error` while it is set (an unreachable control table)."""

    def __init__(self) -> None:
        super().__init__()
        self.error: Exception | None = None

    def get_gateway(self, account_id: str, gateway_id: str) -> Gateway | None:
        if self.error is not None:
            self.reads += 1
            raise self.error
        return super().get_gateway(account_id, gateway_id)


OUTAGES = [
    EndpointConnectionError(endpoint_url="http://dynamodb"),
    ReadTimeoutError(endpoint_url="http://dynamodb"),
    ClientError({"Error": {"Code": "InternalServerError", "Message": "x"}}, "GetItem"),
]


@pytest.mark.parametrize("error", OUTAGES, ids=lambda e: type(e).__name__)
def test_known_settings_are_served_stale_for_a_bounded_window(error: Exception) -> None:
    source, now = FailingSource(), [0.0]
    cache = GatewayCache(source, ttl_s=5, clock=lambda: now[0], stale_s=300)
    assert cache.get_gateway("acme", "main") is not None
    assert cache.get_gateway("acme", "nope") is None
    source.error = error
    now[0] = 6.0
    assert cache.get_gateway("acme", "main") is not None
    assert cache.get_gateway("acme", "nope") is None  # the last known answer, too
    now[0] = 304.9
    assert cache.get_gateway("acme", "main") is not None
    now[0] = 305.0
    with pytest.raises(ServiceUnavailable) as raised:
        cache.get_gateway("acme", "main")
    assert http_status(raised.value) == 503
    assert raised.value.message == (
        "gateway settings are unavailable: the control store cannot be reached; try again"
    )


def test_an_unknown_gateway_is_503_during_an_outage() -> None:
    source = FailingSource()
    source.error = OUTAGES[0]
    cache = GatewayCache(source, ttl_s=5)
    with pytest.raises(ServiceUnavailable):
        cache.get_gateway("acme", "main")


def test_a_failing_source_is_asked_once_per_period_and_recovery_is_seen() -> None:
    source, now = FailingSource(), [0.0]
    cache = GatewayCache(source, ttl_s=5, clock=lambda: now[0], stale_s=300)
    cache.get_gateway("acme", "main")
    source.error = OUTAGES[0]
    for step in range(100):  # 10 s of traffic, 10 requests a second
        now[0] = 5.0 + step / 10
        cache.get_gateway("acme", "main")
    assert source.reads == 1 + 2  # the first read, then one attempt per 5 s period
    source.error = None
    source.gateways[("acme", "main")] = Gateway(id="main", account_id="acme", collect_logs=False)
    now[0] = 15.0
    assert cache.get_gateway("acme", "main").collect_logs is False  # type: ignore[union-attr]
    source.error = OUTAGES[0]
    now[0] = 20.0 + 299.0  # the window restarts from the last successful read
    assert cache.get_gateway("acme", "main").collect_logs is False  # type: ignore[union-attr]


def test_without_a_period_a_failing_source_is_still_asked_at_most_once_a_second() -> None:
    source, now = FailingSource(), [0.0]
    cache = GatewayCache(source, ttl_s=0, clock=lambda: now[0], stale_s=10)
    cache.get_gateway("acme", "main")
    source.error = OUTAGES[0]
    for step in range(20):
        now[0] = step / 10
        assert cache.get_gateway("acme", "main") is not None
    assert source.reads == 1 + 2


def test_other_errors_are_not_hidden() -> None:
    source = FailingSource()
    cache = GatewayCache(source, ttl_s=0)
    cache.get_gateway("acme", "main")
    source.error = ValueError("a bug")
    with pytest.raises(ValueError):
        cache.get_gateway("acme", "main")
