from chalicelib.accounts.models import Gateway
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
