"""infra/moto_server.py: calls to one service never overlap, calls to different ones do."""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

from infra.moto_server import PerServiceLockedApp, lock_group

WAIT_S = 5.0

TARGETS = {"dynamodb": "DynamoDB_20120810.TransactWriteItems", "sqs": "AmazonSQS.SendMessage"}


def _environ(service: str, path: str = "/") -> dict[str, Any]:
    """A request as botocore signs it (SigV4 credential scope names the service)."""
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "4566",
        "HTTP_HOST": "127.0.0.1:4566",
        "HTTP_AUTHORIZATION": (
            "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/"
            f"{service}/aws4_request, SignedHeaders=host;x-amz-date, Signature=00"
        ),
        "CONTENT_TYPE": "application/x-amz-json-1.0",
        "CONTENT_LENGTH": "2",
        "wsgi.input": io.BytesIO(b"{}"),
        "wsgi.url_scheme": "http",
    }
    if service in TARGETS:
        environ["HTTP_X_AMZ_TARGET"] = TARGETS[service]
    return environ


class FakeBackend:
    """Stands in for moto's Flask app of one service; blocks while `gate` is closed."""

    def __init__(self, service: str, gates: dict[str, threading.Event]) -> None:
        self.service = service
        self.gate = gates.get(service)
        self.entered = threading.Event()
        self.active = 0
        self.max_active = 0
        self._count = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        with self._count:
            self.active += 1
            self.max_active = max(self.max_active, self.active)
        self.entered.set()
        if self.gate is not None:
            assert self.gate.wait(WAIT_S)
        with self._count:
            self.active -= 1
        start_response("200 OK", [])
        return [self.service.encode()]


class Harness:
    def __init__(self, *blocked: str) -> None:
        self.gates = {service: threading.Event() for service in blocked}
        self.backends = {
            service: FakeBackend(service, self.gates)
            for service in ("dynamodb", "sqs", "s3", "cloudformation")
        }
        self.app = PerServiceLockedApp(DomainDispatcherApplication(self._create))
        self.threads: list[threading.Thread] = []

    def _create(self, service: str) -> FakeBackend:
        return self.backends[service]

    def call(self, service: str, path: str = "/") -> threading.Event:
        """Call the app from a new thread; the returned event is set once it answered."""
        done = threading.Event()

        def run() -> None:
            assert self.app(_environ(service, path), lambda *a: None) == [service.encode()]
            done.set()

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        self.threads.append(thread)
        return done

    def backend(self, service: str) -> FakeBackend:
        return self.backends[service]

    def finish(self) -> None:
        for gate in self.gates.values():
            gate.set()
        for thread in self.threads:
            thread.join(WAIT_S)
            assert not thread.is_alive()


Make = Callable[..., Harness]


@pytest.fixture
def harness() -> Iterator[Callable[..., Harness]]:
    made: list[Harness] = []

    def make(*blocked: str) -> Harness:
        made.append(Harness(*blocked))
        return made[-1]

    yield make
    for h in made:
        h.finish()


def test_sqs_is_served_while_a_dynamodb_call_holds_its_lock(harness: Make) -> None:
    h = harness("dynamodb")
    transaction = h.call("dynamodb")
    assert h.backend("dynamodb").entered.wait(WAIT_S)

    assert h.call("sqs").wait(WAIT_S)  # SendMessage answers while the transaction runs
    assert h.call("s3", "/bucket/key").wait(WAIT_S)
    assert not transaction.is_set()

    h.gates["dynamodb"].set()
    assert transaction.wait(WAIT_S)


def test_two_dynamodb_calls_never_overlap(harness: Make) -> None:
    h = harness("dynamodb")
    first = h.call("dynamodb")
    assert h.backend("dynamodb").entered.wait(WAIT_S)
    second = h.call("dynamodb")
    assert not second.wait(0.3)  # waits for the first to finish
    assert h.backend("dynamodb").active == 1

    h.gates["dynamodb"].set()
    assert first.wait(WAIT_S) and second.wait(WAIT_S)
    assert h.backend("dynamodb").max_active == 1


def test_many_calls_of_one_service_run_one_at_a_time(harness: Make) -> None:
    h = harness()
    done = [h.call(service) for _ in range(20) for service in ("dynamodb", "sqs")]
    assert all(event.wait(WAIT_S) for event in done)
    assert h.backend("dynamodb").max_active == 1
    assert h.backend("sqs").max_active == 1


def test_other_services_wait_for_every_lock(harness: Make) -> None:
    h = harness("sqs")
    send = h.call("sqs")
    assert h.backend("sqs").entered.wait(WAIT_S)
    stack = h.call("cloudformation")  # creates tables, buckets and queues: exclusive
    assert not stack.wait(0.3)

    h.gates["sqs"].set()
    assert send.wait(WAIT_S) and stack.wait(WAIT_S)
    assert h.backend("cloudformation").max_active == 1


def test_no_call_runs_beside_another_service(harness: Make) -> None:
    h = harness("cloudformation")
    stack = h.call("cloudformation")
    assert h.backend("cloudformation").entered.wait(WAIT_S)
    calls = [h.call("dynamodb"), h.call("sqs"), h.call("s3", "/bucket/key")]
    assert not any(call.wait(0.3) for call in calls)

    h.gates["cloudformation"].set()
    assert stack.wait(WAIT_S) and all(call.wait(WAIT_S) for call in calls)


@pytest.mark.parametrize(
    ("service", "group"),
    [
        ("dynamodb", "dynamodb"),
        ("dynamodbstreams", "dynamodb"),
        ("dynamodb_v20111205", "dynamodb"),
        ("s3", "s3"),
        ("s3control", "s3"),
        ("sqs", "sqs"),
        ("cloudformation", None),
        ("moto_api", None),
        ("sts", None),
        (None, None),
    ],
)
def test_lock_group(service: str | None, group: str | None) -> None:
    assert lock_group(service) == group


@pytest.mark.parametrize(
    ("service", "path", "backend"),
    [("dynamodb", "/", "dynamodb"), ("sqs", "/", "sqs"), ("s3", "/bucket/key", "s3")],
)
def test_moto_dispatches_signed_requests_to_the_locked_backends(
    service: str, path: str, backend: str
) -> None:
    app = DomainDispatcherApplication(create_backend_app).get_application(_environ(service, path))
    assert app.service == backend
    assert lock_group(app.service) == backend
