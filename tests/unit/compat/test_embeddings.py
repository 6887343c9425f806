"""translate_embeddings_request: passthrough and Gemini batchEmbedContents."""

from __future__ import annotations

import base64
import json
import struct
from typing import Any

import pytest

from chalicelib.compat import CompatError, EmbeddingsTranslation, translate_embeddings_request


def google(**body: Any) -> EmbeddingsTranslation:
    return translate_embeddings_request({"model": "google-ai-studio/text-embedding-004", **body})


def test_openai_wire_passes_through() -> None:
    body = {"model": "mistral/mistral-embed", "input": [[1, 2, 3]], "encoding_format": "base64"}
    translation = translate_embeddings_request(body)
    assert isinstance(translation, EmbeddingsTranslation)
    assert translation.path_segments == ["v1", "embeddings"]
    assert translation.stream is False
    assert json.loads(translation.body) == {**body, "model": "mistral-embed"}
    answer = b'{"object": "list"}'
    assert translation.translate_response(200, "application/json", answer)[2] == answer
    openai = translate_embeddings_request({"model": "openai/text-embedding-3-small", "input": "x"})
    assert openai.path_segments == ["embeddings"]


def test_google_request() -> None:
    translation = google(input=["first", "second"], dimensions=3)
    assert translation.provider == "google-ai-studio"
    assert translation.path_segments == [
        "v1beta",
        "models",
        "text-embedding-004:batchEmbedContents",
    ]
    assert json.loads(translation.body) == {
        "requests": [
            {
                "model": "models/text-embedding-004",
                "content": {"parts": [{"text": "first"}]},
                "outputDimensionality": 3,
            },
            {
                "model": "models/text-embedding-004",
                "content": {"parts": [{"text": "second"}]},
                "outputDimensionality": 3,
            },
        ]
    }
    headers = translation.translate_headers({"Authorization": "Bearer g"})
    assert headers["x-goog-api-key"] == "g"


def test_google_single_string() -> None:
    requests = json.loads(google(input="only").body)["requests"]
    assert requests == [
        {"model": "models/text-embedding-004", "content": {"parts": [{"text": "only"}]}}
    ]


def google_answer(
    translation: EmbeddingsTranslation, native: Any, status: int = 200
) -> tuple[int, Any]:
    code, content_type, body = translation.translate_response(
        status, "application/json", json.dumps(native).encode()
    )
    assert content_type == "application/json"
    return code, json.loads(body)


def test_google_response_as_floats() -> None:
    native = {"embeddings": [{"values": [0.5, -1.0]}, {"values": [0.25, 0]}]}
    status, payload = google_answer(google(input=["a", "b"]), native)
    assert status == 200
    assert payload == {
        "object": "list",
        "data": [
            {"object": "embedding", "index": 0, "embedding": [0.5, -1.0]},
            {"object": "embedding", "index": 1, "embedding": [0.25, 0]},
        ],
        "model": "text-embedding-004",
        "usage": {"prompt_tokens": 0, "total_tokens": 0},
    }


def test_google_response_as_base64() -> None:
    native = {
        "embeddings": [{"values": [0.5, -1.0, 2.0]}],
        "usageMetadata": {"promptTokenCount": 4},
    }
    _, payload = google_answer(google(input="a", encoding_format="base64"), native)
    encoded = payload["data"][0]["embedding"]
    assert list(struct.unpack("<3f", base64.b64decode(encoded))) == [0.5, -1.0, 2.0]
    assert payload["usage"] == {"prompt_tokens": 4, "total_tokens": 4}


def test_google_error_and_bad_answers() -> None:
    translation = google(input="a")
    native = {"error": {"code": 403, "message": "denied", "status": "PERMISSION_DENIED"}}
    status, payload = google_answer(translation, native, 403)
    assert status == 403
    assert payload["error"]["code"] == "PERMISSION_DENIED"
    for bad in ({"embeddings": [{"values": ["x"]}]}, {"nothing": 1}, [1]):
        status, payload = google_answer(translation, bad)
        assert status == 502
        assert payload["error"]["code"] == "invalid_provider_response"


@pytest.mark.parametrize(
    ("body", "match"),
    [
        ({"model": "anthropic/claude-x", "input": "a"}, "'anthropic' has no embeddings API"),
        ({"model": "openai/x"}, "'input' is required"),
        ({"model": "openai/x", "input": []}, "'input' is required"),
        ({"model": "google-ai-studio/e", "input": [1, 2]}, "'input' must be"),
        ({"model": "google-ai-studio/e", "input": ["a", ""]}, "'input' must be"),
        ({"model": "google-ai-studio/e", "input": "a", "dimensions": 0}, "'dimensions'"),
        (
            {"model": "google-ai-studio/e", "input": "a", "encoding_format": "hex"},
            "encoding_format",
        ),
        ({"model": "nope/e", "input": "a"}, "unknown provider"),
        ({"model": "e", "input": "a"}, "'model' must be"),
    ],
)
def test_invalid_requests(body: dict[str, Any], match: str) -> None:
    with pytest.raises(CompatError, match=match):
        translate_embeddings_request(body)


def test_body_must_be_an_object() -> None:
    with pytest.raises(CompatError, match="JSON object"):
        translate_embeddings_request(["x"])
