"""A moto server (the serialized one `make run` uses: each AWS call atomic, as in DynamoDB)
with the stack of infra/template.yaml deployed, for tests that need real concurrency or
separate processes."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass

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
