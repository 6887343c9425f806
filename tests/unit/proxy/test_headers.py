from chalicelib.proxy.headers import (
    downstream_headers,
    upstream_headers,
)


def test_upstream_gets_client_credentials_but_no_gateway_or_transport_headers() -> None:
    sent = upstream_headers(
        {
            "authorization": "Bearer sk-client",
            "x-api-key": "sk-ant",
            "content-type": "application/json",
            "host": "gateway.local",
            "content-length": "12",
            "accept-encoding": "br",
            "aig-metadata": "{}",
            "cf-aig-authorization": "Bearer gw-token",
            "x-forwarded-for": "1.2.3.4",
        }
    )
    assert sent == {
        "authorization": "Bearer sk-client",
        "x-api-key": "sk-ant",
        "content-type": "application/json",
    }


def test_downstream_headers_keep_provider_ones_and_repeat_multi_values() -> None:
    relayed = downstream_headers(
        [
            ("content-type", "text/event-stream"),
            ("content-encoding", "gzip"),
            ("transfer-encoding", "chunked"),
            ("x-request-id", "req_1"),
            ("set-cookie", "a=1"),
            ("set-cookie", "b=2"),
        ]
    )
    assert relayed == {
        "Content-Type": "text/event-stream",
        "x-request-id": "req_1",
        "set-cookie": ["a=1", "b=2"],
    }
