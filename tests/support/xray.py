"""A recording stand-in for Powertools' X-Ray provider (tests/unit/conftest.py: `xray`)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from types import SimpleNamespace


class RecordingXRay:
    """Stands in for Powertools' X-Ray provider: records subsegments and annotations."""

    def __init__(self) -> None:
        self.closed: list[tuple[str, dict[str, object]]] = []

    @contextlib.contextmanager
    def in_subsegment(self, name: str) -> Iterator[SimpleNamespace]:
        annotations: dict[str, object] = {}
        yield SimpleNamespace(put_annotation=annotations.__setitem__)
        self.closed.append((name, annotations))
