"""Unknown routes, wrong methods, dot segments, percent-encoding and the body limit against
the real `make run` stack, over a raw socket where an HTTP client would normalise the path."""

import json
import socket
from urllib.parse import urlsplit

import httpx

from tests.fakes.upstream import FakeUpstreamProcess
from tests.support.gateway import Gateway

SECRET = "Bearer sk-e2e-secret"
CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}


def _raw(gateway: Gateway, line: str, *headers: str, body: bytes = b"") -> tuple[int, bytes]:
    """Send one request as written; return the status and the whole answer."""
    address = urlsplit(gateway.url)
    data = "\r\n".join([line, "Host: x", "Connection: close", *headers, "", ""]).encode() + body
    with socket.create_connection((address.hostname, address.port), timeout=10) as sock:
        sock.sendall(data)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return int(answer.split(b" ", 2)[1]), answer


def _error(answer: bytes) -> dict:  # type: ignore[type-arg]
    body = json.loads(answer.partition(b"\r\n\r\n")[2])
    assert body["success"] is False and body["result"] is None
    return body["errors"][0]  # type: ignore[no-any-return]


def test_unknown_paths_are_404_without_echo(gateway: Gateway) -> None:
    deep = "/".join(str(i) for i in range(9))
    for path in ["/nope", f"/v1/demo/default/openai/{deep}"]:
        status, answer = _raw(gateway, f"GET {path} HTTP/1.1", f"Authorization: {SECRET}")
        assert status == 404 and _error(answer)["code"] == 1003
        assert b"sk-e2e-secret" not in answer


def test_wrong_method_is_405_and_odd_requests_are_envelopes(gateway: Gateway) -> None:
    status, answer = _raw(gateway, "PUT /v1/demo/default HTTP/1.1", "Content-Length: 0")
    assert status == 405 and b"\r\nAllow: POST\r\n" in answer and _error(answer)["code"] == 1004
    status, answer = _raw(gateway, "BREW /healthz HTTP/1.1", f"Authorization: {SECRET}")
    assert status == 501 and b"sk-e2e-secret" not in answer and _error(answer)
    too_big = f"Content-Length: {10 * 1024 * 1024 + 1}"  # the default limit, 10 MiB
    status, answer = _raw(
        gateway, "POST /v1/demo/default/openai/chat/completions HTTP/1.1", too_big
    )
    assert status == 413 and _error(answer)["code"] == 1005


def test_dot_segments_never_reach_the_provider(
    gateway: Gateway, fake_upstream: FakeUpstreamProcess
) -> None:
    fake_upstream.clear()
    body = json.dumps(CHAT).encode()
    for path in ["/v1/demo/default/openai/../__x", "/v1/demo/default/openai/%2e%2e/%2E%2e/__x"]:
        status, answer = _raw(
            gateway,
            f"POST {path} HTTP/1.1",
            "Content-Type: application/json",
            f"Content-Length: {len(body)}",
            body=body,
        )
        assert status == 400 and "'..'" in _error(answer)["message"]
    assert fake_upstream.requests() == []


def test_percent_encoded_segments_are_decoded_once(
    gateway: Gateway, fake_upstream: FakeUpstreamProcess
) -> None:
    response = httpx.post(gateway.base("openai") + "/chat/completion%73", json=CHAT)
    assert response.status_code == 200, response.text
    assert fake_upstream.requests()[-1]["path"].endswith("/openai/v1/chat/completions")
