"""The response cache in S3: one GetObject per lookup, one PutObject per store.

Errors fail open: a lookup that cannot read S3 is a miss and a store that cannot write is
skipped (both logged), so the cache never fails a proxied request.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.cache.object_keys import gateway_prefix
from chalicelib.cache.policy import (
    MAX_TTL_S,
    HeaderInput,
    is_cacheable_response,
    replayable_headers,
)
from chalicelib.cache.record import CachedResponse, CacheFormatError, decode, encode

if TYPE_CHECKING:  # the boto3 type stubs are a development dependency only
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import ObjectIdentifierTypeDef

logger = logging.getLogger(__name__)

CACHE_TAG = "aig-object=cache"
"""S3 tag on every cache object; the bucket's lifecycle rule filters on it (and the prefix)."""

PURGE_BATCH = 1000
"""Objects listed and deleted per S3 request by `purge` (the S3 maximum)."""


class ResponseLike(Protocol):
    """What `put` needs of a response (the proxy's ProxyResponse fits)."""

    @property
    def status(self) -> int: ...

    @property
    def headers(self) -> HeaderInput: ...

    @property
    def body(self) -> bytes: ...


class ResponseCache:
    """Cached provider answers, one gzip'ed S3 object per key (see `keys.cache_key`)."""

    def __init__(self, s3: S3Client, bucket: str, clock: Callable[[], float] = time.time) -> None:
        self._s3 = s3
        self._bucket = bucket
        self._clock = clock

    def get(self, key: str) -> CachedResponse | None:
        """The fresh answer stored under `key`, or None (missing, expired, unreadable)."""
        try:
            blob = self._s3.get_object(Bucket=self._bucket, Key=key)["Body"].read()
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") not in ("NoSuchKey", "404"):
                logger.warning("cache lookup of %s failed: %s", key, exc)
            return None
        except BotoCoreError as exc:
            logger.warning("cache lookup of %s failed: %s", key, exc)
            return None
        try:
            cached = decode(blob)
        except CacheFormatError as exc:
            logger.warning("cache object %s ignored: %s", key, exc)
            return None
        return cached if cached.is_fresh(self._clock()) else None

    def put(self, key: str, response: ResponseLike, ttl_s: int) -> bool:
        """Store `response` under `key` for `ttl_s` seconds (capped at MAX_TTL_S).

        Only 2xx answers up to MAX_CACHED_BODY_BYTES are stored, with their replayable
        headers only. Returns whether it was stored.
        """
        if ttl_s <= 0 or not is_cacheable_response(response.status, response.body):
            return False
        now = self._clock()
        cached = CachedResponse(
            status=response.status,
            headers=replayable_headers(response.headers),
            body=response.body,
            created_at=now,
            expires_at=now + min(ttl_s, MAX_TTL_S),
        )
        try:
            self._s3.put_object(
                Bucket=self._bucket,
                Key=key,
                Body=encode(cached),
                ContentType="application/octet-stream",
                Metadata={"expires-at": str(int(cached.expires_at))},
                Tagging=CACHE_TAG,
            )
        except (ClientError, BotoCoreError) as exc:
            logger.warning("cache store of %s failed: %s", key, exc)
            return False
        return True

    def purge(self, account_id: str, gateway_id: str, budget: int = 10_000) -> bool:
        """Delete up to `budget` cached objects of one gateway (every generation).

        Returns True when none are left; call again to resume after False.
        """
        if budget <= 0:
            raise ValueError(f"budget must be positive, got {budget}")
        prefix = gateway_prefix(account_id, gateway_id)
        left = budget
        while left > 0:
            page = self._s3.list_objects_v2(
                Bucket=self._bucket, Prefix=prefix, MaxKeys=min(PURGE_BATCH, left)
            )
            keys: list[ObjectIdentifierTypeDef] = [
                {"Key": obj["Key"]} for obj in page.get("Contents", [])
            ]
            if keys:
                result = self._s3.delete_objects(
                    Bucket=self._bucket, Delete={"Objects": keys, "Quiet": True}
                )
                if result.get("Errors"):
                    failed = len(result["Errors"])
                    logger.warning("cache purge of %s: %d not deleted", prefix, failed)
                    return False
                left -= len(keys)
            if not page.get("IsTruncated"):
                return True
        return False
