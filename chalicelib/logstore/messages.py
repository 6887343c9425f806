"""The log pipeline's SQS message: one finished log, its bodies inline when they fit."""

from __future__ import annotations

import base64
import json
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from chalicelib.logstore.bodies import StoredBodies, decode, encode
from chalicelib.logstore.record import LogRecord
from chalicelib.logstore.writes import LogPolicy

MAX_INLINE_BODY_BYTES = 180 * 1024
"""Bodies up to this size (together, before base64) travel in the message (SQS: 256 KiB)."""

_VERSION = 1


class BadMessage(ValueError):
    """A queue message that is not a log of this pipeline."""


@dataclass(frozen=True)
class LogMessage:
    """One log in transit: its record, policy, and bodies (inline, or already in S3)."""

    record: LogRecord
    policy: LogPolicy
    bodies: StoredBodies | None

    def encode(self) -> str:
        """The message body."""
        record = asdict(self.record)
        record["cost"] = str(self.record.cost) if self.record.cost is not None else None
        payload: dict[str, Any] = {
            "v": _VERSION,
            "record": record,
            "policy": asdict(self.policy),
            "bodies": None,
        }
        if self.bodies is not None:  # gzip'ed as in S3: SQS bills by 64 KB of payload
            payload["bodies"] = base64.b64encode(encode(self.bodies)).decode()
        return json.dumps(payload, separators=(",", ":"))

    @classmethod
    def decode(cls, body: str) -> LogMessage:
        """Parse a message body; BadMessage if it is not one of ours. Values a message of
        ours may carry but DynamoDB cannot store (NaN, huge numbers) are parsed as they
        are: the writers make the record storable (logstore.item_limits)."""
        try:
            payload = json.loads(body)
            if payload.get("v") != _VERSION:
                raise BadMessage(f"unknown message version {payload.get('v')!r}")
            record_fields = dict(payload["record"])
            cost = record_fields.pop("cost")
            record = LogRecord(**record_fields, cost=Decimal(cost) if cost is not None else None)
            policy = LogPolicy(**payload["policy"])
            bodies = payload["bodies"]
            stored = decode(base64.b64decode(bodies)) if bodies is not None else None
        except (
            ValueError,
            KeyError,
            TypeError,
            AttributeError,  # JSON that is not an object where one is expected
            ArithmeticError,  # a cost that is not a number
            RecursionError,  # JSON nested deeper than the interpreter's stack
            OSError,
            EOFError,
        ) as exc:
            raise BadMessage(f"not a log message: {exc}") from exc
        return cls(record, policy, stored)


def fits_inline(bodies: StoredBodies) -> bool:
    """True when the bodies may travel inside the message."""
    return len(bodies.request) + len(bodies.response) <= MAX_INLINE_BODY_BYTES
