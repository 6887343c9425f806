"""Packs: the bodies of a whole batch of logs in one S3 object, and their compaction.

A pack is the logs' encoded bodies back to back (each a complete gzip stream, read with
one ranged GET), then a manifest naming, for each part, the log item that points at it,
then the manifest's length in 8 bytes. Deleting a log only removes its item, so its part
is unreachable at once; the compactor later rewrites packs whose live share has fallen,
moving each live part to a new pack and repointing its log before the old pack goes.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from chalicelib import dynamo
from chalicelib.logstore.bodies import StoredBodies, encode

if TYPE_CHECKING:  # the boto3 type stubs are a development dependency only
    from mypy_boto3_dynamodb.service_resource import Table
    from mypy_boto3_s3 import S3Client

logger = logging.getLogger(__name__)

PACKS_PREFIX = "packs/"
CHECKPOINT_KEY = "compaction/checkpoint"
"""The last pack a compaction run looked at, when it ran out of time (else empty): the
next run lists the packs after it, so each run continues where the last stopped."""
CHECKPOINT_EVERY = 50
"""Packs between checkpoints (so a run killed before its end loses little)."""
COMPACTION_MARGIN_S = 60
"""Time a compaction run leaves unused (at most; a quarter of a shorter invocation), so
the pack in hand ends before the function's timeout (a rewrite reads and puts one pack,
repointing its logs)."""
_LENGTH_BYTES = 8


def compaction_budget_s(remaining_s: float) -> float:
    """How long a run may compact, given the invocation's `remaining_s` (its context)."""
    return max(0.0, remaining_s - min(COMPACTION_MARGIN_S, remaining_s / 4))


@dataclass(frozen=True)
class PackPart:
    """Where one log's bodies are in a pack, and which log item points there."""

    pk: str
    sk: str
    offset: int
    length: int


def pack_key(moment: datetime | None = None) -> str:
    """A new pack's S3 key (grouped by hour, so old packs list first)."""
    moment = moment or datetime.now(UTC)
    return f"{PACKS_PREFIX}{moment:%Y/%m/%d/%H}/{uuid.uuid4().hex}"


def build_pack(logs: Sequence[tuple[str, str, StoredBodies]]) -> tuple[bytes, list[PackPart]]:
    """Encode (pk, sk, bodies) of many logs into one pack; return it and its parts."""
    blobs: list[bytes] = []
    parts: list[PackPart] = []
    offset = 0
    for pk, sk, bodies in logs:
        blob = encode(bodies)
        blobs.append(blob)
        parts.append(PackPart(pk, sk, offset, len(blob)))
        offset += len(blob)
    return _with_manifest(blobs, parts), parts


def _with_manifest(blobs: list[bytes], parts: list[PackPart]) -> bytes:
    manifest = json.dumps([[p.pk, p.sk, p.offset, p.length] for p in parts]).encode()
    return b"".join(blobs) + manifest + len(manifest).to_bytes(_LENGTH_BYTES, "big")


def read_manifest(s3: S3Client, bucket: str, key: str) -> list[PackPart]:
    """The parts of a pack, from its tail (two ranged GETs)."""
    tail = s3.get_object(Bucket=bucket, Key=key, Range=f"bytes=-{_LENGTH_BYTES}")
    length = int.from_bytes(tail["Body"].read(), "big")
    manifest = s3.get_object(Bucket=bucket, Key=key, Range=f"bytes=-{length + _LENGTH_BYTES}")[
        "Body"
    ].read()[:length]
    return [PackPart(pk, sk, offset, size) for pk, sk, offset, size in json.loads(manifest)]


@dataclass
class CompactionReport:
    """What one compaction run did."""

    packs_seen: int = 0
    packs_deleted: int = 0
    packs_rewritten: int = 0
    parts_moved: int = 0
    complete: bool = True
    resumed_after: str = ""
    """The checkpoint this run started from ("" - the oldest pack)."""


class PackCompactor:
    """Rewrites packs whose live share fell below `min_live_share` (deletes empty ones)."""

    def __init__(
        self,
        s3: S3Client,
        bucket: str,
        logs_table: Table,
        min_live_share: float = 0.5,
        min_age_s: float = 3600,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._s3 = s3
        self._bucket = bucket
        self._table = logs_table
        self._min_live_share = min_live_share
        self._min_age_s = min_age_s
        self._clock = clock

    def run(self, budget_s: float) -> CompactionReport:
        """Compact the packs older than min_age_s, oldest first from the checkpoint on,
        until the time budget runs out (then the checkpoint says where to go on)."""
        deadline = self._clock() + budget_s
        start_after = self._checkpoint()
        report = CompactionReport(resumed_after=start_after)
        cutoff = time.time() - self._min_age_s
        paginator = self._s3.get_paginator("list_objects_v2")
        pages = (
            paginator.paginate(Bucket=self._bucket, Prefix=PACKS_PREFIX, StartAfter=start_after)
            if start_after
            else paginator.paginate(Bucket=self._bucket, Prefix=PACKS_PREFIX)
        )
        last, unsaved = start_after, 0
        for page in pages:
            for obj in page.get("Contents", []):
                if self._clock() > deadline:
                    report.complete = False
                    self._save_checkpoint(last)
                    return report
                if obj["LastModified"].timestamp() <= cutoff:
                    self.compact(obj["Key"], report)
                last, unsaved = obj["Key"], unsaved + 1
                if unsaved >= CHECKPOINT_EVERY:
                    self._save_checkpoint(last)
                    unsaved = 0
        self._save_checkpoint("")  # every pack seen: the next run starts over
        return report

    def _checkpoint(self) -> str:
        try:
            answer = self._s3.get_object(Bucket=self._bucket, Key=CHECKPOINT_KEY)
        except self._s3.exceptions.NoSuchKey:
            return ""
        return answer["Body"].read().decode()

    def _save_checkpoint(self, key: str) -> None:
        self._s3.put_object(Bucket=self._bucket, Key=CHECKPOINT_KEY, Body=key.encode())

    def compact(self, key: str, report: CompactionReport | None = None) -> CompactionReport:
        """Compact one pack: delete it when no log points into it, rewrite it when few do."""
        report = report or CompactionReport()
        report.packs_seen += 1
        parts = read_manifest(self._s3, self._bucket, key)
        live = self._live_parts(key, parts)
        if live and len(live) >= self._min_live_share * len(parts):
            return report
        if live:
            self._rewrite(key, live)
            report.packs_rewritten += 1
            report.parts_moved += len(live)
        self._s3.delete_object(Bucket=self._bucket, Key=key)
        report.packs_deleted += 1
        return report

    def _live_parts(self, key: str, parts: list[PackPart]) -> list[PackPart]:
        """The parts whose log still exists and still points into this pack (consistent
        BatchGetItem, 100 keys per call)."""
        pointers: dict[tuple[str, str], tuple[str, int]] = {}
        client, table = self._table.meta.client, self._table.name
        keys = [{"pk": p.pk, "sk": p.sk} for p in parts]
        projection = "pk, sk, body_key, body_offset"
        for item in dynamo.get_many(client, table, keys, projection):
            pointers[(item["pk"], item["sk"])] = (
                item.get("body_key", ""),
                int(item.get("body_offset", -1)),
            )
        return [part for part in parts if pointers.get((part.pk, part.sk)) == (key, part.offset)]

    def _rewrite(self, old_key: str, live: list[PackPart]) -> None:
        """Copy the live parts to a new pack, then repoint each log (only if it still
        points at the old part: a log deleted meanwhile stays deleted)."""
        blob = self._s3.get_object(Bucket=self._bucket, Key=old_key)["Body"].read()
        blobs = [blob[p.offset : p.offset + p.length] for p in live]
        moved: list[PackPart] = []
        offset = 0
        for part, data in zip(live, blobs, strict=True):
            moved.append(PackPart(part.pk, part.sk, offset, len(data)))
            offset += len(data)
        new_key = pack_key()
        self._s3.put_object(Bucket=self._bucket, Key=new_key, Body=_with_manifest(blobs, moved))
        conditional_check_failed = (
            self._table.meta.client.exceptions.ConditionalCheckFailedException
        )
        for old, new in zip(live, moved, strict=True):
            try:
                self._table.update_item(
                    Key={"pk": new.pk, "sk": new.sk},
                    UpdateExpression="SET body_key = :new, body_offset = :offset",
                    ConditionExpression="body_key = :old AND body_offset = :old_offset",
                    ExpressionAttributeValues={
                        ":new": new_key,
                        ":offset": new.offset,
                        ":old": old_key,
                        ":old_offset": old.offset,
                    },
                )
            except conditional_check_failed:
                logger.info("log %s went during compaction of %s", new.sk, old_key)
