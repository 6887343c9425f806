"""The Google AI Studio (Gemini) wire format: generateContent, streamGenerateContent (SSE
with ``alt=sse``, else a JSON array), embedContent and batchEmbedContents."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from tests.fakes.upstream.wire import (
    GEMINI,
    Call,
    Prompt,
    Reply,
    ToolUse,
    answering,
    content_text,
    count_tokens,
    dicts,
    embedding_vector,
    error_reply,
    json_reply,
    messages_prompt,
    new_id,
    optional_text,
    pick_tool,
    split_words,
    sse_reply,
    with_usage,
)

# --------------------------------------------------------------------------- requests


def function_response_text(response: Any) -> str:
    """Text of a Gemini ``functionResponse.response``: its ``output``, ``content`` or
    ``result`` string when it has one, else the object as JSON."""
    if isinstance(response, dict):
        for key in ("output", "content", "result"):
            if isinstance(response.get(key), str):
                return response[key]
    return json.dumps(response, sort_keys=True)


def gemini_tool_results(body: Mapping[str, Any]) -> list[str]:
    """Texts of the ``functionResponse`` parts of the last content."""
    contents = dicts(body.get("contents"))
    parts = dicts(contents[-1].get("parts")) if contents else []
    responses = [
        p["functionResponse"] for p in parts if isinstance(p.get("functionResponse"), dict)
    ]
    return [function_response_text(r.get("response")) for r in responses]


def gemini_prompt(body: Mapping[str, Any]) -> Prompt:
    """Prompt of a Gemini generateContent request (``systemInstruction`` + ``contents``)."""
    instruction = body.get("systemInstruction")
    parts = instruction.get("parts") if isinstance(instruction, dict) else None
    contents = dicts(body.get("contents"))
    prompt = messages_prompt(optional_text(content_text(parts)), contents, "parts")
    return answering(prompt, gemini_tool_results(body))


def gemini_tool_use(body: Mapping[str, Any]) -> ToolUse | None:
    """The function call a Gemini request gets, None for a text reply."""
    if gemini_tool_results(body):
        return None
    declarations = [
        d for t in dicts(body.get("tools")) for d in dicts(t.get("functionDeclarations"))
    ]
    tools = [
        (d["name"], d.get("parametersJsonSchema") or d.get("parameters"))
        for d in declarations
        if isinstance(d.get("name"), str)
    ]
    tool_config = body.get("toolConfig")
    config = tool_config.get("functionCallingConfig") if isinstance(tool_config, dict) else None
    config = config if isinstance(config, dict) else {}
    allowed = config.get("allowedFunctionNames")
    forced = allowed[0] if isinstance(allowed, list) and allowed else None
    return pick_tool(tools, forced, disabled=config.get("mode") == "NONE")


# --------------------------------------------------------------------------- generate


def gemini_model(path: str) -> str:
    """Model name from ``.../models/NAME:method``."""
    return path.rsplit("/", 1)[-1].split(":", 1)[0]


def gemini_usage(prompt: Prompt, candidates_tokens: int) -> dict[str, int]:
    """Gemini ``usageMetadata``."""
    return {
        "promptTokenCount": prompt.prompt_tokens,
        "candidatesTokenCount": candidates_tokens,
        "totalTokenCount": prompt.prompt_tokens + candidates_tokens,
    }


def _gemini_chunk(call: Call, prompt: Prompt, text: str, so_far: str, last: bool) -> dict[str, Any]:
    """One GenerateContentResponse carrying ``text``; ``so_far`` is the text sent until now."""
    return _gemini_response(call, prompt, [{"text": text}], count_tokens(so_far), last)


def _gemini_response(
    call: Call, prompt: Prompt, parts: list[dict[str, Any]], tokens: int, last: bool
) -> dict[str, Any]:
    """One GenerateContentResponse with ``parts``; ``tokens`` are the candidates' so far."""
    content = {"parts": parts, "role": "model"}
    candidate: dict[str, Any] = {"content": content, "index": 0}
    if last:
        candidate["finishReason"] = "STOP"
    usage = gemini_usage(prompt, tokens)
    payload = {"candidates": [candidate], "modelVersion": gemini_model(call.path)}
    payload = with_usage(call, payload, "usageMetadata", usage)
    return {**payload, "responseId": new_id("")}


def _gemini_call(call: Call, prompt: Prompt, tool: ToolUse) -> dict[str, Any]:
    """The GenerateContentResponse calling ``tool`` (Gemini sends a call in one piece)."""
    part = {"functionCall": {"name": tool.name, "args": tool.arguments}}
    return _gemini_response(call, prompt, [part], tool.tokens, last=True)


def handle_generate(call: Call) -> Reply:
    """POST ...:generateContent."""
    prompt = gemini_prompt(call.body)
    tool = gemini_tool_use(call.body)
    if tool is not None:
        return json_reply(_gemini_call(call, prompt, tool))
    return json_reply(_gemini_chunk(call, prompt, prompt.reply, prompt.reply, last=True))


def handle_stream_generate(call: Call) -> Reply:
    """POST ...:streamGenerateContent: SSE with ``alt=sse``, else a JSON array."""
    prompt = gemini_prompt(call.body)
    tool = gemini_tool_use(call.body)
    words = split_words(prompt.reply)
    chunks = [
        _gemini_chunk(call, prompt, word, "".join(words[: i + 1]), last=i == len(words) - 1)
        for i, word in enumerate(words)
    ]
    if tool is not None:
        chunks = [_gemini_call(call, prompt, tool)]
    if call.query.get("alt") == ["sse"]:
        return sse_reply(((None, c) for c in chunks), separator="\r\n\r\n")
    return json_reply(chunks)


# --------------------------------------------------------------------------- embeddings


def _gemini_embedding(request: Any) -> dict[str, Any]:
    """The ``ContentEmbedding`` of one EmbedContentRequest (``outputDimensionality`` honoured)."""
    request = request if isinstance(request, dict) else {}
    content = request.get("content")
    text = content_text(content.get("parts")) if isinstance(content, dict) else ""
    size = request.get("outputDimensionality")
    values = embedding_vector(text)
    return {"values": values[:size] if isinstance(size, int) and size > 0 else values}


def handle_embed(call: Call) -> Reply:
    """POST ...:embedContent."""
    return json_reply({"embedding": _gemini_embedding(call.body)})


def handle_batch_embed(call: Call) -> Reply:
    """POST ...:batchEmbedContents."""
    requests = call.body.get("requests")
    if not isinstance(requests, list) or not requests:
        return error_reply(GEMINI, 400, "'requests' must be a non-empty array")
    return json_reply({"embeddings": [_gemini_embedding(r) for r in requests]})
