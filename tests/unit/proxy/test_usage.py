import json

import pytest

from chalicelib.providers.usage import Usage, extract_usage, model_type
from chalicelib.providers.wires import ANTHROPIC_WIRE, GOOGLE_WIRE, OPENAI_WIRE, WIRES
from tests.support.sse import sse as stream_body

JSON = "application/json"
SSE = "text/event-stream; charset=utf-8"


def sse(*events: tuple[str | None, object], crlf: bool = False) -> bytes:
    """An event stream body; data that is not a str is JSON-encoded."""
    body = stream_body(events)
    return body.replace(b"\n", b"\r\n") if crlf else body


# --- OpenAI chat completions -------------------------------------------------------------------

OPENAI_CHAT_JSON = b"""{
  "id": "chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT",
  "object": "chat.completion",
  "created": 1741569952,
  "model": "gpt-4o-mini-2024-07-18",
  "choices": [
    {
      "index": 0,
      "message": {
        "role": "assistant",
        "content": "Hello! How can I assist you today?",
        "refusal": null,
        "annotations": []
      },
      "logprobs": null,
      "finish_reason": "stop"
    }
  ],
  "usage": {
    "prompt_tokens": 1119,
    "completion_tokens": 10,
    "total_tokens": 1129,
    "prompt_tokens_details": {"cached_tokens": 1024, "audio_tokens": 0},
    "completion_tokens_details": {
      "reasoning_tokens": 0,
      "audio_tokens": 0,
      "accepted_prediction_tokens": 0,
      "rejected_prediction_tokens": 0
    }
  },
  "service_tier": "default",
  "system_fingerprint": "fp_06737a9306"
}"""


def _chat_chunk(delta: dict, finish_reason: str | None = None, **extra: object) -> dict:
    return {
        "id": "chatcmpl-BRLVH1yTDlZRu1m2yEzV7vZbHhUkw",
        "object": "chat.completion.chunk",
        "created": 1745846547,
        "model": "gpt-4o-mini-2024-07-18",
        "service_tier": "default",
        "system_fingerprint": "fp_0392822090",
        "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}],
        **extra,
    }


_CHAT_CHUNKS = [
    _chat_chunk({"role": "assistant", "content": "", "refusal": None}, usage=None),
    _chat_chunk({"content": "Hello"}, usage=None),
    _chat_chunk({"content": "!"}, usage=None),
    _chat_chunk({}, "stop", usage=None),
]
_CHAT_USAGE_CHUNK = {
    **_chat_chunk({}),
    "choices": [],
    "usage": {
        "prompt_tokens": 19,
        "completion_tokens": 2,
        "total_tokens": 21,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0},
    },
}
OPENAI_CHAT_SSE_WITH_USAGE = sse(
    *((None, c) for c in [*_CHAT_CHUNKS, _CHAT_USAGE_CHUNK]), (None, "[DONE]")
)
OPENAI_CHAT_SSE_WITHOUT_USAGE = sse(
    *((None, {k: v for k, v in c.items() if k != "usage"}) for c in _CHAT_CHUNKS), (None, "[DONE]")
)

GROQ_CHAT_SSE = sse(
    (
        None,
        {
            "id": "chatcmpl-7f0a1c2e",
            "object": "chat.completion.chunk",
            "created": 1745846547,
            "model": "llama-3.3-70b-versatile",
            "system_fingerprint": "fp_3f3b593e33",
            "choices": [{"index": 0, "delta": {"role": "assistant", "content": "Hi"}}],
            "x_groq": {"id": "req_01jt0xkz9yfh8s4a2m5c1b7n3q"},
        },
    ),
    (
        None,
        {
            "id": "chatcmpl-7f0a1c2e",
            "object": "chat.completion.chunk",
            "created": 1745846547,
            "model": "llama-3.3-70b-versatile",
            "system_fingerprint": "fp_3f3b593e33",
            "choices": [{"index": 0, "delta": {}, "logprobs": None, "finish_reason": "stop"}],
            "x_groq": {
                "id": "req_01jt0xkz9yfh8s4a2m5c1b7n3q",
                "usage": {
                    "queue_time": 0.0199,
                    "prompt_tokens": 40,
                    "prompt_time": 0.0021,
                    "completion_tokens": 12,
                    "completion_time": 0.0436,
                    "total_tokens": 52,
                    "total_time": 0.0457,
                },
            },
        },
    ),
    (None, "[DONE]"),
)


def test_openai_chat_json():
    assert extract_usage(OPENAI_WIRE, "chat/completions", OPENAI_CHAT_JSON, JSON) == Usage(
        tokens_in=1119, tokens_out=10, cache_read_tokens=1024, model="gpt-4o-mini-2024-07-18"
    )


def test_openai_chat_json_content_type_missing_or_with_charset():
    expected = extract_usage(OPENAI_WIRE, "chat/completions", OPENAI_CHAT_JSON, JSON)
    for content_type in (None, "application/json; charset=utf-8"):
        usage = extract_usage(OPENAI_WIRE, "chat/completions", OPENAI_CHAT_JSON, content_type)
        assert usage == expected


def test_openai_chat_stream_with_usage_chunk():
    usage = extract_usage(OPENAI_WIRE, "v1/chat/completions", OPENAI_CHAT_SSE_WITH_USAGE, SSE)
    assert usage == Usage(19, 2, 0, None, "gpt-4o-mini-2024-07-18")


def test_openai_chat_stream_without_usage_chunk_has_unknown_tokens():
    usage = extract_usage(OPENAI_WIRE, "chat/completions", OPENAI_CHAT_SSE_WITHOUT_USAGE, SSE)
    assert usage == Usage(model="gpt-4o-mini-2024-07-18")
    assert not usage.known


def test_groq_stream_usage_in_x_groq():
    usage = extract_usage(OPENAI_WIRE, "chat/completions", GROQ_CHAT_SSE, "text/event-stream")
    assert usage == Usage(tokens_in=40, tokens_out=12, model="llama-3.3-70b-versatile")


def test_openrouter_stream_with_comments():
    body = b": OPENROUTER PROCESSING\n\n" + OPENAI_CHAT_SSE_WITH_USAGE
    assert extract_usage(OPENAI_WIRE, "chat/completions", body, SSE).tokens_in == 19


def test_deepseek_cache_hit_tokens():
    body = json.dumps(
        {
            "id": "930c60df-bf64-41c9-a88e-3ec75f81e00e",
            "object": "chat.completion",
            "created": 1745846547,
            "model": "deepseek-chat",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": "Hi"},
                    "finish_reason": "stop",
                }
            ],
            "usage": {
                "prompt_tokens": 1200,
                "completion_tokens": 9,
                "total_tokens": 1209,
                "prompt_cache_hit_tokens": 1152,
                "prompt_cache_miss_tokens": 48,
            },
        }
    ).encode()
    usage = extract_usage(OPENAI_WIRE, "chat/completions", body, JSON)
    assert usage == Usage(1200, 9, 1152, None, "deepseek-chat")


def test_openai_reasoning_tokens_are_part_of_completion_tokens():
    body = json.dumps(
        {
            "object": "chat.completion",
            "model": "o3-mini-2025-01-31",
            "choices": [],
            "usage": {
                "prompt_tokens": 20,
                "completion_tokens": 520,
                "total_tokens": 540,
                "completion_tokens_details": {"reasoning_tokens": 448},
            },
        }
    ).encode()
    assert extract_usage(OPENAI_WIRE, "chat/completions", body, JSON).tokens_out == 520


def test_legacy_completions_json():
    body = b"""{"id": "cmpl-uqkvlQyYK7bGYrRHQ0eXlWi7", "object": "text_completion",
    "created": 1589478378, "model": "gpt-3.5-turbo-instruct", "system_fingerprint": "fp_44709d6fcb",
    "choices": [{"text": "\\n\\nThis is indeed a test", "index": 0, "logprobs": null,
    "finish_reason": "length"}], "usage": {"prompt_tokens": 5, "completion_tokens": 7,
    "total_tokens": 12}}"""
    assert extract_usage(OPENAI_WIRE, "v1/completions", body, JSON) == Usage(
        tokens_in=5, tokens_out=7, model="gpt-3.5-turbo-instruct"
    )


# --- OpenAI embeddings ---------------------------------------------------------------------------

OPENAI_EMBEDDINGS_JSON = b"""{
  "object": "list",
  "data": [{"object": "embedding", "index": 0, "embedding": [-0.006929283, -0.005336422, 0.0241]}],
  "model": "text-embedding-3-small",
  "usage": {"prompt_tokens": 5, "total_tokens": 5}
}"""


def test_openai_embeddings_have_zero_output_tokens():
    assert extract_usage(OPENAI_WIRE, "embeddings", OPENAI_EMBEDDINGS_JSON, JSON) == Usage(
        tokens_in=5, tokens_out=0, model="text-embedding-3-small"
    )


def test_embeddings_without_usage_stay_unknown():
    body = b'{"object": "list", "data": [], "model": "text-embedding-3-small"}'
    usage = extract_usage(OPENAI_WIRE, "embeddings", body, JSON)
    assert usage == Usage(model="text-embedding-3-small")


# --- OpenAI Responses ----------------------------------------------------------------------------

_RESPONSE = {
    "id": "resp_67ccd2bed1ec8190b14f964abc0542670bb6a6b452d3795b",
    "object": "response",
    "created_at": 1741476542,
    "status": "completed",
    "error": None,
    "incomplete_details": None,
    "instructions": None,
    "max_output_tokens": None,
    "model": "gpt-4.1-2025-04-14",
    "output": [
        {
            "type": "message",
            "id": "msg_67ccd2bf17f0819081ff3bb2cf6508e60bb6a6b452d3795b",
            "status": "completed",
            "role": "assistant",
            "content": [{"type": "output_text", "text": "In a peaceful grove…", "annotations": []}],
        }
    ],
    "parallel_tool_calls": True,
    "previous_response_id": None,
    "reasoning": {"effort": None, "summary": None},
    "store": True,
    "temperature": 1.0,
    "text": {"format": {"type": "text"}},
    "tool_choice": "auto",
    "tools": [],
    "top_p": 1.0,
    "truncation": "disabled",
    "usage": {
        "input_tokens": 2036,
        "input_tokens_details": {"cached_tokens": 1920},
        "output_tokens": 87,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": 2123,
    },
    "user": None,
    "metadata": {},
}


def _response_stream(terminal_event: str) -> bytes:
    in_progress = {**_RESPONSE, "status": "in_progress", "output": [], "usage": None}
    return sse(
        (
            "response.created",
            {"type": "response.created", "sequence_number": 0, "response": in_progress},
        ),
        (
            "response.in_progress",
            {"type": "response.in_progress", "sequence_number": 1, "response": in_progress},
        ),
        (
            "response.output_text.delta",
            {
                "type": "response.output_text.delta",
                "sequence_number": 4,
                "item_id": "msg_67ccd2bf17f0819081ff3bb2cf6508e60bb6a6b452d3795b",
                "output_index": 0,
                "content_index": 0,
                "delta": "In",
            },
        ),
        (terminal_event, {"type": terminal_event, "sequence_number": 9, "response": _RESPONSE}),
    )


def test_responses_json():
    body = json.dumps(_RESPONSE).encode()
    assert extract_usage(OPENAI_WIRE, "responses", body, JSON) == Usage(
        tokens_in=2036, tokens_out=87, cache_read_tokens=1920, model="gpt-4.1-2025-04-14"
    )


@pytest.mark.parametrize(
    "terminal_event", ["response.completed", "response.incomplete", "response.failed"]
)
def test_responses_stream(terminal_event: str):
    body = _response_stream(terminal_event)
    assert extract_usage(OPENAI_WIRE, "v1/responses", body, SSE) == Usage(
        2036, 87, 1920, None, "gpt-4.1-2025-04-14"
    )


def test_responses_stream_cut_before_completion_has_unknown_tokens():
    body = _response_stream("response.completed").split(b"event: response.completed")[0]
    assert not extract_usage(OPENAI_WIRE, "responses", body, SSE).known


def test_openai_cache_write_tokens():
    body = json.dumps(
        {
            **_RESPONSE,
            "usage": {
                "input_tokens": 3000,
                "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 2900},
                "output_tokens": 5,
                "output_tokens_details": {"reasoning_tokens": 0},
                "total_tokens": 3005,
            },
        }
    ).encode()
    assert extract_usage(OPENAI_WIRE, "responses", body, JSON).cache_write_tokens == 2900


# --- Anthropic -----------------------------------------------------------------------------------

ANTHROPIC_JSON = b"""{
  "id": "msg_013Zva2CMHLNnXjNJJKqJ2EF",
  "type": "message",
  "role": "assistant",
  "model": "claude-sonnet-4-20250514",
  "content": [{"type": "text", "text": "Hi! My name is Claude."}],
  "stop_reason": "end_turn",
  "stop_sequence": null,
  "usage": {
    "input_tokens": 12,
    "cache_creation_input_tokens": 2048,
    "cache_read_input_tokens": 1024,
    "cache_creation": {"ephemeral_5m_input_tokens": 2048, "ephemeral_1h_input_tokens": 0},
    "output_tokens": 6,
    "service_tier": "standard"
  }
}"""

_ANTHROPIC_STREAM_EVENTS = [
    (
        "message_start",
        {
            "type": "message_start",
            "message": {
                "id": "msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY",
                "type": "message",
                "role": "assistant",
                "content": [],
                "model": "claude-3-5-haiku-20241022",
                "stop_reason": None,
                "stop_sequence": None,
                "usage": {
                    "input_tokens": 25,
                    "cache_creation_input_tokens": 0,
                    "cache_read_input_tokens": 3000,
                    "output_tokens": 1,
                },
            },
        },
    ),
    (
        "content_block_start",
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
    ),
    ("ping", {"type": "ping"}),
    (
        "content_block_delta",
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Hi"}},
    ),
    ("content_block_stop", {"type": "content_block_stop", "index": 0}),
    (
        "message_delta",
        {
            "type": "message_delta",
            "delta": {"stop_reason": "max_tokens", "stop_sequence": None},
            "usage": {"output_tokens": 8},
        },
    ),
    (
        "message_delta",
        {
            "type": "message_delta",
            "delta": {"stop_reason": "end_turn", "stop_sequence": None},
            "usage": {"output_tokens": 15},
        },
    ),
    ("message_stop", {"type": "message_stop"}),
]


def test_anthropic_json_counts_cached_tokens_as_input():
    assert extract_usage(ANTHROPIC_WIRE, "v1/messages", ANTHROPIC_JSON, JSON) == Usage(
        tokens_in=12 + 2048 + 1024,
        tokens_out=6,
        cache_read_tokens=1024,
        cache_write_tokens=2048,
        model="claude-sonnet-4-20250514",
    )


def test_anthropic_json_without_cache_fields():
    body = b"""{"id": "msg_01", "type": "message", "role": "assistant",
    "model": "claude-3-haiku-20240307", "content": [{"type": "text", "text": "Hi"}],
    "stop_reason": "end_turn", "stop_sequence": null,
    "usage": {"input_tokens": 10, "output_tokens": 3}}"""
    assert extract_usage(ANTHROPIC_WIRE, "v1/messages", body, JSON) == Usage(
        10, 3, None, None, "claude-3-haiku-20240307"
    )


def test_anthropic_stream_takes_last_message_delta():
    body = sse(*_ANTHROPIC_STREAM_EVENTS)
    assert extract_usage(ANTHROPIC_WIRE, "v1/messages", body, SSE) == Usage(
        tokens_in=3025,
        tokens_out=15,
        cache_read_tokens=3000,
        cache_write_tokens=0,
        model="claude-3-5-haiku-20241022",
    )


def test_anthropic_stream_prefers_input_counts_of_message_delta():
    events = [*_ANTHROPIC_STREAM_EVENTS[:-2]]
    events.append(
        (
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                "usage": {
                    "input_tokens": 30,
                    "cache_creation_input_tokens": 100,
                    "cache_read_input_tokens": None,
                    "output_tokens": 40,
                    "server_tool_use": {"web_search_requests": 1},
                },
            },
        )
    )
    usage = extract_usage(ANTHROPIC_WIRE, "v1/messages", sse(*events), SSE)
    assert usage == Usage(30 + 100 + 3000, 40, 3000, 100, "claude-3-5-haiku-20241022")


def test_anthropic_stream_without_message_delta_has_unknown_output():
    events = [*_ANTHROPIC_STREAM_EVENTS[:5]]
    events.append(
        ("error", {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}})
    )
    usage = extract_usage(ANTHROPIC_WIRE, "v1/messages", sse(*events), SSE)
    assert (usage.tokens_in, usage.tokens_out) == (3025, None)


# --- Google Gemini -------------------------------------------------------------------------------

GEMINI_JSON = b"""{
  "candidates": [
    {
      "content": {"parts": [{"text": "AI learns patterns from data."}], "role": "model"},
      "finishReason": "STOP",
      "avgLogprobs": -0.1207
    }
  ],
  "usageMetadata": {
    "promptTokenCount": 1040,
    "candidatesTokenCount": 7,
    "totalTokenCount": 1247,
    "cachedContentTokenCount": 1024,
    "thoughtsTokenCount": 200,
    "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 1040}],
    "cacheTokensDetails": [{"modality": "TEXT", "tokenCount": 1024}]
  },
  "modelVersion": "gemini-2.5-flash",
  "responseId": "7Q4YaJzKN8Wsz7IP-d6ZsAs"
}"""


def _gemini_chunk(text: str, usage: dict, finish: bool = False) -> dict:
    candidate: dict = {"content": {"parts": [{"text": text}], "role": "model"}}
    if finish:
        candidate["finishReason"] = "STOP"
    return {
        "candidates": [candidate],
        "usageMetadata": usage,
        "modelVersion": "gemini-2.0-flash",
        "responseId": "kxEYaP3dEIGQz7IPuY3X4Q0",
    }


_PROMPT_ONLY = {
    "promptTokenCount": 9,
    "totalTokenCount": 9,
    "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 9}],
}
_GEMINI_CHUNKS = [
    _gemini_chunk("The", _PROMPT_ONLY),
    _gemini_chunk(" sky is", _PROMPT_ONLY),
    _gemini_chunk(
        " blue.",
        {
            "promptTokenCount": 9,
            "candidatesTokenCount": 31,
            "totalTokenCount": 40,
            "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 9}],
            "candidatesTokensDetails": [{"modality": "TEXT", "tokenCount": 31}],
        },
        finish=True,
    ),
]


def test_gemini_json():
    path = "v1beta/models/gemini-2.5-flash:generateContent"
    assert extract_usage(GOOGLE_WIRE, path, GEMINI_JSON, JSON) == Usage(
        tokens_in=1040, tokens_out=207, cache_read_tokens=1024, model="gemini-2.5-flash"
    )


def test_gemini_sse_with_usage_on_every_chunk_takes_the_last():
    body = sse(*((None, c) for c in _GEMINI_CHUNKS), crlf=True)
    path = "v1beta/models/gemini-2.0-flash:streamGenerateContent"
    assert extract_usage(GOOGLE_WIRE, path, body, "text/event-stream") == Usage(
        tokens_in=9, tokens_out=31, model="gemini-2.0-flash"
    )


def test_gemini_json_array_stream_takes_the_last_element():
    body = ("[" + ",\r\n".join(json.dumps(c, indent=2) for c in _GEMINI_CHUNKS) + "]").encode()
    path = "v1beta/models/gemini-2.0-flash:streamGenerateContent"
    assert extract_usage(GOOGLE_WIRE, path, body, JSON) == Usage(
        9, 31, None, None, "gemini-2.0-flash"
    )


def test_gemini_zero_counts_are_omitted_in_proto_json():
    body = json.dumps(
        {
            "promptFeedback": {"blockReason": "SAFETY"},
            "usageMetadata": {"promptTokenCount": 12, "totalTokenCount": 12},
            "modelVersion": "gemini-2.0-flash",
        }
    ).encode()
    path = "v1beta/models/gemini-2.0-flash:generateContent"
    assert extract_usage(GOOGLE_WIRE, path, body, JSON) == Usage(
        12, 0, None, None, "gemini-2.0-flash"
    )


def test_gemini_embed_content_has_no_usage():
    body = b'{"embedding": {"values": [0.013168523, -0.008711934, -0.046782676]}}'
    path = "v1beta/models/text-embedding-004:embedContent"
    assert extract_usage(GOOGLE_WIRE, path, body, JSON) == Usage()


# --- errors and garbage --------------------------------------------------------------------------

ERROR_BODIES = [
    (
        "openai",
        "chat/completions",
        b'{"error": {"message": "Incorrect API key provided: sk-abc.", '
        b'"type": "invalid_request_error", "param": null, "code": "invalid_api_key"}}',
    ),
    (
        "anthropic",
        "v1/messages",
        b'{"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}',
    ),
    (
        "google",
        "v1beta/models/gemini-2.0-flash:generateContent",
        b'{"error": {"code": 400, "message": "API key not valid. Please pass a valid API key.", '
        b'"status": "INVALID_ARGUMENT"}}',
    ),
    (
        "google",
        "v1beta/models/gemini-2.0-flash:streamGenerateContent",
        b'[{"error": {"code": 429, "message": "Resource exhausted.", '
        b'"status": "RESOURCE_EXHAUSTED"}}]',
    ),
]


@pytest.mark.parametrize(("wire", "path", "body"), ERROR_BODIES)
def test_error_bodies_have_no_usage(wire: str, path: str, body: bytes):
    assert extract_usage(WIRES[wire], path, body, JSON) == Usage()


GARBAGE = [
    b"",
    b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>",
    OPENAI_CHAT_JSON[:200],
    bytes(range(256)),
    b"ID3\x04\x00\x00\x00\x00\x00#TSSE\x00\x00\x00\x0f\x00\x00\x03Lavf58.76.100\xff\xfb\x90",
    b"[" * 100_000,
    b"null",
    b"42",
    b'"usage"',
    b'{"usage": "lots"}',
    b'{"usage": {"prompt_tokens": "12", "completion_tokens": -1}}',
    b'{"usage": {"input_tokens": true, "output_tokens": 1.5}}',
    b'{"usageMetadata": [], "candidates": null}',
    b'{"model": 7, "modelVersion": {}, "type": "message", "usage": [1, 2]}',
    b'[{"type": "message_start", "message": []}, {"usageMetadata": {"promptTokenCount": 1e400}}]',
]


@pytest.mark.parametrize("content_type", [JSON, SSE, None, "text/html"])
@pytest.mark.parametrize("body", GARBAGE)
@pytest.mark.parametrize(
    ("wire", "path"),
    [
        ("openai", "chat/completions"),
        ("openai", "responses"),
        ("openai", "embeddings"),
        ("anthropic", "v1/messages"),
        ("google", "v1beta/models/gemini-2.0-flash:streamGenerateContent"),
    ],
)
def test_garbage_never_raises_and_is_unknown(wire: str, path: str, body: bytes, content_type):
    assert not extract_usage(WIRES[wire], path, body, content_type).known


def test_sse_body_of_garbage_events():
    body = b"data: {not json\n\ndata: \xff\xfe\n\nevent: message_delta\ndata: [1,\n\n"
    for wire, path in [("openai", "chat/completions"), ("anthropic", "v1/messages")]:
        assert extract_usage(WIRES[wire], path, body, SSE) == Usage()


def test_known():
    assert not Usage().known
    assert not Usage(cache_read_tokens=3, model="m").known
    assert Usage(tokens_in=0).known
    assert Usage(tokens_out=5).known


# --- model type ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("wire", "path", "expected"),
    [
        ("openai", "chat/completions", "chat"),
        ("openai", "v1/chat/completions", "chat"),
        ("openai", "openai/v1/chat/completions", "chat"),
        ("openai", "api/v1/chat/completions", "chat"),
        ("openai", "responses", "chat"),
        ("openai", "v1/responses", "chat"),
        ("openai", "completions", "completion"),
        ("openai", "v1/completions", "completion"),
        ("openai", "embeddings", "embedding"),
        ("openai", "v1/embeddings", "embedding"),
        ("openai", "images/generations", "image"),
        ("openai", "v1/images/edits", "image"),
        ("openai", "audio/speech", "audio"),
        ("openai", "v1/audio/transcriptions", "audio"),
        ("openai", "models", None),
        ("openai", "v1/models/gpt-4o", None),
        ("openai", "responses/resp_123", None),
        ("openai", "files", None),
        ("openai", "", None),
        ("anthropic", "v1/messages", "chat"),
        ("anthropic", "messages", "chat"),
        ("anthropic", "v1/messages/count_tokens", None),
        ("anthropic", "v1/messages/batches", None),
        ("anthropic", "v1/models", None),
        ("anthropic", "v1/chat/completions", "chat"),
        ("google", "v1beta/models/gemini-2.0-flash:generateContent", "chat"),
        ("google", "v1beta/models/gemini-2.0-flash:streamGenerateContent", "chat"),
        ("google", "v1/models/gemini-1.5-pro:generateContent", "chat"),
        ("google", "v1beta/models/text-embedding-004:embedContent", "embedding"),
        ("google", "v1beta/models/text-embedding-004:batchEmbedContents", "embedding"),
        ("google", "v1beta/models/gemini-2.0-flash:countTokens", None),
        ("google", "v1beta/models", None),
        ("google", "v1beta/openai/chat/completions", "chat"),
    ],
)
def test_model_type(wire: str, path: str, expected: str | None):
    assert model_type(WIRES[wire], path) == expected


def test_openai_compatible_endpoint_of_anthropic_reads_openai_format():
    usage = extract_usage(ANTHROPIC_WIRE, "v1/chat/completions", OPENAI_CHAT_JSON, JSON)
    assert usage.tokens_in == 1119
