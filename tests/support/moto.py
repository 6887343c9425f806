"""A moto server (the serialized one `make run` uses: each AWS call atomic, as in DynamoDB)
with the stack of infra/template.yaml deployed, for tests that need real concurrency or
separate processes; and moto in process made atomic the same way."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from moto.core.botocore_stubber import BotocoreStubber

from infra.local import deploy_stack, free_port, start_moto_server


@dataclass(frozen=True)
class MotoServer:
    """Where the moto server listens, and the stack's outputs (table and bucket names)."""

    endpoint: str
    outputs: dict[str, str]


@contextlib.contextmanager
def deployed_moto_server() -> Iterator[MotoServer]:
    """A moto server on a free loopback port with the stack deployed; stopped on exit."""
    port = free_port()
    server = start_moto_server(port)
    try:
        endpoint = f"http://127.0.0.1:{port}"
        yield MotoServer(endpoint, deploy_stack(endpoint))
    finally:
        server.stop()


@contextlib.contextmanager
def atomic_in_process_calls() -> Iterator[None]:
    """moto in process (`mock_aws`) answering one AWS call at a time, as the moto server of
    `make run` does: its backends are not thread-safe, so the threads of the code under
    test (e.g. the batch admission's parallel puts) could otherwise lose an item."""
    lock = threading.RLock()
    original = BotocoreStubber.process_request

    def one_at_a_time(self: BotocoreStubber, request: Any) -> Any:
        with lock:
            return original(self, request)

    BotocoreStubber.process_request = one_at_a_time
    try:
        yield
    finally:
        BotocoreStubber.process_request = original
