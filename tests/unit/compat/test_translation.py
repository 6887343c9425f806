"""translate_chat_request: the Translation shape and OpenAI-compatible passthrough."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.compat import (
    ChatTranslation,
    CompatError,
    Translation,
    translate_chat_request,
    translate_embeddings_request,
)
from chalicelib.providers.registry import PROVIDERS, Provider
from chalicelib.providers.usage import openai_usage
from chalicelib.providers.wires import OPENAI_WIRE, Wire

MESSAGES = [{"role": "user", "content": "hi"}]


@pytest.mark.parametrize("slug", [p.slug for p in PROVIDERS.values() if p.wire is OPENAI_WIRE])
def test_openai_wire_passes_through(slug: str) -> None:
    body = {
        "model": f"{slug}/some/model",
        "messages": MESSAGES,
        "temperature": 0.3,
        "logprobs": True,
        "n": 3,
        "tools": [{"type": "function", "function": {"name": "f"}}],
        "custom_vendor_field": {"x": 1},
    }
    translation = translate_chat_request(body)
    assert isinstance(translation, ChatTranslation)
    assert isinstance(translation, Translation)
    assert translation.provider == slug
    assert translation.model == "some/model"
    assert translation.wire is OPENAI_WIRE
    assert translation.path_segments[-2:] == ["chat", "completions"]
    assert translation.query == []
    assert translation.stream is False
    assert json.loads(translation.body) == {**body, "model": "some/model"}


def test_passthrough_stream_flag_and_response() -> None:
    translation = translate_chat_request(
        {"model": "groq/llama", "messages": MESSAGES, "stream": True}
    )
    assert translation.stream is True
    native = b'data: {"choices": []}\n\ndata: [DONE]\n\n'
    assert translation.translate_response(200, "text/event-stream", native) == (
        200,
        "text/event-stream",
        native,
    )
    error = b'{"error": {"message": "bad", "type": "invalid_request_error"}}'
    assert translation.translate_response(400, None, error) == (400, "application/json", error)


def test_passthrough_keeps_client_auth() -> None:
    translation = translate_chat_request({"model": "openai/gpt-4o", "messages": MESSAGES})
    assert translation.translate_headers({"authorization": "Bearer sk"}) == {
        "authorization": "Bearer sk",
        "content-type": "application/json",
    }


@pytest.mark.parametrize(
    ("model", "header", "version"),
    [("anthropic/c", "x-api-key", True), ("google-ai-studio/g", "x-goog-api-key", False)],
)
def test_translated_headers(model: str, header: str, version: bool) -> None:
    translation = translate_chat_request({"model": model, "messages": MESSAGES})
    headers = translation.translate_headers({"authorization": "Bearer KEY", "content-length": "9"})
    assert headers[header] == "KEY"
    assert "authorization" not in headers
    assert "content-length" not in headers
    assert ("anthropic-version" in headers) is version


def test_created_defaults_to_now() -> None:
    import time

    before = int(time.time())
    translation = translate_chat_request({"model": "anthropic/c", "messages": MESSAGES})
    native = {"id": "m", "content": [{"type": "text", "text": "x"}], "stop_reason": "end_turn"}
    _, _, body = translation.translate_response(
        200, "application/json", json.dumps(native).encode()
    )
    assert before <= json.loads(body)["created"] <= int(time.time())


def test_repr_hides_the_responder() -> None:
    translation = translate_chat_request({"model": "anthropic/c", "messages": MESSAGES})
    assert repr(translation).startswith("ChatTranslation(provider='anthropic'")
    assert "responder" not in repr(translation)


def test_translation_does_not_mutate_the_request() -> None:
    body: dict[str, Any] = {"model": "openai/gpt-4o", "messages": MESSAGES}
    translate_chat_request(body)
    assert body["model"] == "openai/gpt-4o"


def test_a_wire_without_a_dialect_is_refused_not_taken_for_another() -> None:
    other = Wire("other", lambda parent, last: (False, None), openai_usage)
    providers = PROVIDERS.extended(Provider("other-llm", "https://other.test", other, None))
    body = {"model": "other-llm/m", "messages": MESSAGES}
    with pytest.raises(CompatError, match="'other-llm' \\(other wire\\) has no unified chat API"):
        translate_chat_request(body, providers)
    with pytest.raises(CompatError, match="'other-llm' has no embeddings API"):
        translate_embeddings_request({"model": "other-llm/m", "input": "x"}, providers)
