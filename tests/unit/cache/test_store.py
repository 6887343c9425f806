import gzip
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest

from chalicelib.cache import store as store_module
from chalicelib.cache.object_keys import cache_key
from chalicelib.cache.policy import MAX_CACHED_BODY_BYTES, MAX_TTL_S
from chalicelib.cache.store import ResponseCache
from chalicelib.proxy.service import ProxyResponse
from chalicelib.settings import Settings

SECRET = "sk-live-TOPSECRET-42"
BINARY = bytes(range(256)) * 64
SSE = (
    b'data: {"choices":[{"delta":{"content":"Hel"}}]}\n\n'
    b'data: {"choices":[{"delta":{"content":"lo"}}],"usage":{"total_tokens":3}}\n\n'
    b"data: [DONE]\n\n"
)


class Clock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@dataclass
class Answer:
    status: int = 200
    body: bytes = b'{"id":"chatcmpl-1","choices":[]}'
    headers: dict[str, str | list[str]] = field(
        default_factory=lambda: {"Content-Type": "application/json"}
    )


@pytest.fixture
def s3(settings: Settings) -> Iterator[Any]:
    yield boto3.client("s3", region_name="us-east-1")


@pytest.fixture
def bucket(settings: Settings) -> str:
    return settings.bodies_bucket


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def cache(s3: Any, bucket: str, clock: Clock) -> ResponseCache:
    return ResponseCache(s3, bucket, clock=clock)


def key_for(
    account: str = "acme",
    gateway: str = "main",
    generation: int = 0,
    body: bytes = b'{"model":"m"}',
    headers: dict[str, str] | None = None,
    include_credentials: bool = False,
) -> str:
    return cache_key(
        account,
        gateway,
        generation,
        provider="openai",
        method="POST",
        path="chat/completions",
        query=[],
        headers=headers or {"content-type": "application/json"},
        body=body,
        key_includes_credentials=include_credentials,
    )


def all_objects(s3: Any, bucket: str) -> list[str]:
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
    return sorted(obj["Key"] for page in pages for obj in page.get("Contents", []))


def count_calls(s3: Any) -> list[str]:
    calls: list[str] = []
    s3.meta.events.register("before-call.s3", lambda model, **_: calls.append(model.name))
    return calls


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/json", b'{"id":"chatcmpl-1","choices":[{"message":{"content":"hi"}}]}'),
        ("text/event-stream; charset=utf-8", SSE),
        ("audio/mpeg", BINARY),
        ("application/octet-stream", b""),
    ],
)
def test_round_trip_is_byte_identical(cache: ResponseCache, content_type: str, body: bytes) -> None:
    key = key_for()
    answer = Answer(
        status=201,
        body=body,
        headers={
            "Content-Type": content_type,
            "x-request-id": "req_1",
            "set-cookie": ["__cf_bm=abc", "b=2"],
            "transfer-encoding": "chunked",
            "x-ratelimit-remaining-tokens": "10",
        },
    )
    assert cache.put(key, answer, 60)
    hit = cache.get(key)
    assert hit is not None
    assert hit.body == body
    assert hit.status == 201
    assert hit.headers == {"Content-Type": content_type, "x-request-id": "req_1"}
    assert hit.content_type == content_type
    assert hit.created_at == 1_000_000.0 and hit.expires_at == 1_000_060.0


def test_survives_a_new_cache_instance(bucket: str, cache: ResponseCache, clock: Clock) -> None:
    key = key_for()
    cache.put(key, ProxyResponse(200, {"Content-Type": "application/json"}, b"{}"), 60)
    restarted = ResponseCache(boto3.client("s3", region_name="us-east-1"), bucket, clock)
    hit = restarted.get(key)
    assert hit is not None and hit.body == b"{}"


def test_miss_is_none(cache: ResponseCache) -> None:
    assert cache.get(key_for()) is None


def test_one_aws_call_per_get(s3: Any, cache: ResponseCache, clock: Clock) -> None:
    hit_key, missing_key = key_for(body=b"1"), key_for(body=b"2")
    cache.put(hit_key, Answer(), 60)
    calls = count_calls(s3)
    assert cache.get(hit_key) is not None
    assert calls == ["GetObject"]
    assert cache.get(missing_key) is None
    assert calls == ["GetObject"] * 2
    clock.now += 61
    assert cache.get(hit_key) is None
    assert calls == ["GetObject"] * 3


def test_one_aws_call_per_put(s3: Any, cache: ResponseCache) -> None:
    calls = count_calls(s3)
    cache.put(key_for(), Answer(), 60)
    assert calls == ["PutObject"]


def test_expiry_uses_the_clock(cache: ResponseCache, clock: Clock) -> None:
    key = key_for()
    cache.put(key, Answer(), 60)
    clock.now += 59.9
    assert cache.get(key) is not None
    clock.now += 0.1
    assert cache.get(key) is None


def test_ttl_is_capped(cache: ResponseCache, clock: Clock) -> None:
    key = key_for()
    cache.put(key, Answer(), MAX_TTL_S * 100)
    hit = cache.get(key)
    assert hit is not None and hit.expires_at == clock.now + MAX_TTL_S


@pytest.mark.parametrize(
    ("answer", "ttl"),
    [
        (Answer(status=400), 60),
        (Answer(status=429), 60),
        (Answer(status=500), 60),
        (Answer(status=502), 60),
        (Answer(status=302), 60),
        (Answer(body=b"x" * (MAX_CACHED_BODY_BYTES + 1)), 60),
        (Answer(), 0),
        (Answer(), -5),
    ],
)
def test_not_stored(s3: Any, bucket: str, cache: ResponseCache, answer: Answer, ttl: int) -> None:
    assert cache.put(key_for(), answer, ttl) is False
    assert all_objects(s3, bucket) == []


def test_largest_cacheable_body_is_stored(cache: ResponseCache) -> None:
    body = BINARY * (MAX_CACHED_BODY_BYTES // len(BINARY))
    assert len(body) == MAX_CACHED_BODY_BYTES
    assert cache.put(key_for(), Answer(body=body), 60)
    hit = cache.get(key_for())
    assert hit is not None and hit.body == body


def test_generation_bump_invalidates(cache: ResponseCache) -> None:
    cache.put(key_for(generation=3), Answer(), 60)
    assert cache.get(key_for(generation=3)) is not None
    assert cache.get(key_for(generation=4)) is None


def test_stored_object_layout(s3: Any, bucket: str, cache: ResponseCache) -> None:
    key = key_for()
    cache.put(key, Answer(), 60)
    assert all_objects(s3, bucket) == [key]
    tags = s3.get_object_tagging(Bucket=bucket, Key=key)["TagSet"]
    assert tags == [{"Key": "aig-object", "Value": "cache"}]
    head = s3.head_object(Bucket=bucket, Key=key)
    assert head["Metadata"] == {"expires-at": "1000060"}
    raw = gzip.decompress(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    assert raw.startswith(b'{"kind": "aig-cache"')


def test_no_credential_reaches_storage(s3: Any, bucket: str, cache: ResponseCache) -> None:
    headers = {
        "content-type": "application/json",
        "authorization": f"Bearer {SECRET}",
        "x-api-key": SECRET,
        "api-key": SECRET,
        "x-goog-api-key": SECRET,
    }
    answer = Answer(headers={"Content-Type": "application/json", "set-cookie": f"session={SECRET}"})
    for include in (False, True):
        for custom in (None, SECRET):
            key = cache_key(
                "acme",
                "main",
                0,
                provider="google-ai-studio",
                method="POST",
                path="v1beta/models/gemini:generateContent",
                query=[("key", SECRET)],
                headers=headers,
                body=f'{{"apiKey":"{SECRET}"}}'.encode(),
                custom_key=custom,
                key_includes_credentials=include,
            )
            assert cache.put(key, answer, 60)
    keys = all_objects(s3, bucket)
    assert len(keys) == 4
    for key in keys:
        assert "TOPSECRET" not in key
        obj = s3.get_object(Bucket=bucket, Key=key)
        blob = obj["Body"].read()
        for text in (blob, gzip.decompress(blob), repr(obj["Metadata"]).encode()):
            assert b"TOPSECRET" not in text
        tags = s3.get_object_tagging(Bucket=bucket, Key=key)["TagSet"]
        assert "TOPSECRET" not in repr(tags)


def test_unreadable_object_is_a_miss(s3: Any, bucket: str, cache: ResponseCache) -> None:
    key = key_for()
    s3.put_object(Bucket=bucket, Key=key, Body=b"garbage")
    assert cache.get(key) is None


def test_s3_errors_fail_open(s3: Any) -> None:
    broken = ResponseCache(s3, "no-such-bucket-anywhere")
    assert broken.get(key_for()) is None
    assert broken.put(key_for(), Answer(), 60) is False


def fill(cache: ResponseCache, account: str, gateway: str, count: int, generation: int = 0) -> None:
    for n in range(count):
        cache.put(key_for(account, gateway, generation, body=str(n).encode()), Answer(), 60)


def test_purge_deletes_only_that_gateway(
    s3: Any, bucket: str, cache: ResponseCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_module, "PURGE_BATCH", 2)
    fill(cache, "acme", "main", 3, generation=0)
    fill(cache, "acme", "main", 2, generation=1)
    fill(cache, "acme", "main2", 2)
    fill(cache, "acme", "other", 1)
    fill(cache, "globex", "main", 2)
    s3.put_object(Bucket=bucket, Key="acme/main/01LOGID", Body=b"log bodies")
    s3.put_object(Bucket=bucket, Key="cache/main/01LOGID", Body=b"bodies of account 'cache'")
    before = all_objects(s3, bucket)

    assert cache.purge("acme", "main") is True

    after = all_objects(s3, bucket)
    removed = sorted(set(before) - set(after))
    assert len(removed) == 5
    assert all(k.startswith("cache/acme/main/") for k in removed)
    assert len([k for k in after if k.startswith("cache/")]) == 6
    assert "acme/main/01LOGID" in after and "cache/main/01LOGID" in after
    assert cache.purge("acme", "main") is True


def test_purge_is_bounded_and_resumes(s3: Any, bucket: str, cache: ResponseCache) -> None:
    fill(cache, "acme", "main", 5)
    fill(cache, "globex", "main", 1)
    calls = count_calls(s3)
    assert cache.purge("acme", "main", budget=2) is False
    assert calls == ["ListObjectsV2", "DeleteObjects"]
    assert len(all_objects(s3, bucket)) == 4
    assert cache.purge("acme", "main", budget=2) is False
    assert cache.purge("acme", "main", budget=1) is True
    assert all_objects(s3, bucket) == [key_for("globex", "main", body=b"0")]


def test_purge_of_exact_budget_reports_complete(cache: ResponseCache) -> None:
    fill(cache, "acme", "main", 3)
    assert cache.purge("acme", "main", budget=3) is True


def test_purge_rejects_empty_budget(cache: ResponseCache) -> None:
    with pytest.raises(ValueError):
        cache.purge("acme", "main", budget=0)
