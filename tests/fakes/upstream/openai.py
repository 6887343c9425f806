"""The OpenAI wire format: chat completions (with ``x-fake-stream-bytes`` sized streams),
embeddings, Responses, audio speech and transcriptions."""

from __future__ import annotations

import base64
import re
import struct
import time
from collections.abc import Iterator, Mapping
from email.message import Message
from typing import Any

from tests.fakes.upstream.wire import (
    OPENAI,
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
    prompt_text,
    speech_bytes,
    split_words,
    sse_event,
    sse_reply,
    transcription_text,
    with_usage,
)

STREAM_PIECE = 16 * 1024
"""Largest event of an ``x-fake-stream-bytes`` stream, in bytes."""


# --------------------------------------------------------------------------- requests


def chat_prompt(body: Mapping[str, Any]) -> Prompt:
    """Prompt of an OpenAI chat completions request (trailing tool messages are answered)."""
    messages = dicts(body.get("messages"))
    results: list[str] = []
    for message in reversed(messages):
        if message.get("role") != "tool":
            break
        results.insert(0, content_text(message.get("content")))
    return answering(messages_prompt((), messages, "content"), results)


def responses_prompt(body: Mapping[str, Any]) -> Prompt:
    """Prompt of an OpenAI Responses request (``instructions`` + ``input``)."""
    system = optional_text(body.get("instructions"))
    raw_input = body.get("input")
    if isinstance(raw_input, str):
        return Prompt((*system, raw_input), raw_input)
    items = [item for item in dicts(raw_input) if "role" in item]
    return messages_prompt(system, items, "content")


def chat_tool_use(body: Mapping[str, Any]) -> ToolUse | None:
    """The tool call an OpenAI chat request gets, None for a text reply."""
    messages = dicts(body.get("messages"))
    if messages and messages[-1].get("role") == "tool":
        return None
    functions = [
        t["function"] for t in dicts(body.get("tools")) if isinstance(t.get("function"), dict)
    ]
    tools = [(f["name"], f.get("parameters")) for f in functions if isinstance(f.get("name"), str)]
    choice = body.get("tool_choice")
    forced = choice.get("function") if isinstance(choice, dict) else None
    forced_name = forced.get("name") if isinstance(forced, dict) else None
    return pick_tool(tools, forced_name, disabled=choice == "none")


# --------------------------------------------------------------------------- chat completions


def openai_usage(prompt: Prompt, completion_tokens: int | None = None) -> dict[str, Any]:
    """Chat completions ``usage`` object (``completion_tokens`` defaults to the text reply's)."""
    completion = prompt.completion_tokens if completion_tokens is None else completion_tokens
    return {
        "prompt_tokens": prompt.prompt_tokens,
        "completion_tokens": completion,
        "total_tokens": prompt.prompt_tokens + completion,
        "prompt_tokens_details": {"cached_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": 0},
    }


def handle_chat(call: Call) -> Reply:
    """POST .../chat/completions."""
    prompt = chat_prompt(call.body)
    head = {
        "id": new_id("chatcmpl-"),
        "created": int(time.time()),
        "model": call.body.get("model", ""),
        "system_fingerprint": None,
    }
    tool = chat_tool_use(call.body)
    if tool is not None:
        return _chat_tool_call(call, prompt, head, tool)
    if call.stream:
        size = call.headers.get("x-fake-stream-bytes", "")
        if size.isdigit():
            return sized_chat_stream(call, prompt, head, int(size))
        start = {"role": "assistant", "content": "", "refusal": None}
        deltas = [start] + [{"content": word} for word in split_words(prompt.reply)]
        return _chat_stream(call, head, deltas, "stop", openai_usage(prompt))
    message = {"role": "assistant", "content": prompt.reply, "refusal": None}
    choice = {"index": 0, "message": message, "logprobs": None, "finish_reason": "stop"}
    payload = {**head, "object": "chat.completion", "choices": [choice]}
    return json_reply(with_usage(call, payload, "usage", openai_usage(prompt)))


def _chat_tool_call(call: Call, prompt: Prompt, head: dict[str, Any], tool: ToolUse) -> Reply:
    """A chat completion (or its stream) whose answer is one tool call."""
    call_id = new_id("call_")
    usage = openai_usage(prompt, tool.tokens)
    if call.stream:
        function = {"name": tool.name, "arguments": ""}
        first = {"index": 0, "id": call_id, "type": "function", "function": function}
        start = {"role": "assistant", "content": None, "refusal": None, "tool_calls": [first]}
        deltas = [start] + [
            {"tool_calls": [{"index": 0, "function": {"arguments": fragment}}]}
            for fragment in tool.fragments
        ]
        return _chat_stream(call, head, deltas, "tool_calls", usage)
    function = {"name": tool.name, "arguments": tool.arguments_json}
    tool_calls = [{"id": call_id, "type": "function", "function": function}]
    message = {"role": "assistant", "content": None, "refusal": None, "tool_calls": tool_calls}
    choice = {"index": 0, "message": message, "logprobs": None, "finish_reason": "tool_calls"}
    payload = {**head, "object": "chat.completion", "choices": [choice]}
    return json_reply(with_usage(call, payload, "usage", usage))


def _chat_stream(
    call: Call,
    head: dict[str, Any],
    deltas: list[dict[str, Any]],
    finish_reason: str,
    usage: dict[str, Any],
) -> Reply:
    """``chat.completion.chunk`` events, the optional usage chunk, then ``[DONE]``."""
    options = call.body.get("stream_options")
    include_usage = isinstance(options, dict) and options.get("include_usage") is True
    include_usage = include_usage and call.usage
    extra = {"usage": None} if include_usage else {}

    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
        return {**head, "object": "chat.completion.chunk", "choices": [choice], **extra}

    chunks = [chunk(delta) for delta in deltas]
    chunks.append(chunk({}, finish_reason))
    if include_usage:
        chunks.append({**head, "object": "chat.completion.chunk", "choices": [], "usage": usage})
    return sse_reply([(None, c) for c in chunks] + [(None, "[DONE]")])


def _include_usage(call: Call) -> bool:
    options = call.body.get("stream_options")
    include = isinstance(options, dict) and options.get("include_usage") is True
    return include and call.usage


def sized_chat_stream(call: Call, prompt: Prompt, head: dict[str, Any], total: int) -> Reply:
    """A chat completion stream of exactly ``total`` bytes (``x-fake-stream-bytes``), or the
    shortest one when ``total`` is smaller; its events are generated as they are sent."""
    include_usage = _include_usage(call)
    extra = {"usage": None} if include_usage else {}

    def chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
        data = {**head, "object": "chat.completion.chunk", "choices": [choice], **extra}
        return sse_event(None, data)

    first = chunk({"role": "assistant", "content": "", "refusal": None})
    empty = len(chunk({"content": ""}))

    def tail(pieces: int) -> list[bytes]:
        events = [chunk({}, "stop")]
        if include_usage:
            usage = openai_usage(prompt, pieces)
            data = {**head, "object": "chat.completion.chunk", "choices": [], "usage": usage}
            events.append(sse_event(None, data))
        return [*events, sse_event(None, "[DONE]")]

    pieces, budget = 0, 0
    for _ in range(5):  # the usage chunk's length depends on the count of pieces
        budget = total - len(first) - sum(map(len, tail(pieces)))
        count = max(1, -(-budget // STREAM_PIECE))
        count = count if budget - count * empty >= 2 * count else 0
        if count == pieces:
            break
        pieces = count
    ending = tail(pieces)

    def events() -> Iterator[bytes]:
        yield first
        if pieces:
            # each content is one word: a space then letters (one fake token each)
            base, extra_bytes = divmod(budget - pieces * empty, pieces)
            short, long = chunk({"content": " " + "x" * (base - 1)}), None
            for index in range(pieces):
                if index >= pieces - extra_bytes:
                    long = long or chunk({"content": " " + "x" * base})
                    yield long
                else:
                    yield short
        yield from ending

    return Reply(200, "text/event-stream", b"", events())


# --------------------------------------------------------------------------- other endpoints


def handle_embeddings(call: Call) -> Reply:
    """POST .../embeddings (``encoding_format`` float or base64)."""
    raw_input = call.body.get("input", "")
    inputs = [raw_input] if isinstance(raw_input, str) else [str(i) for i in raw_input]
    as_base64 = call.body.get("encoding_format") == "base64"
    data = []
    for index, text in enumerate(inputs):
        vector: Any = embedding_vector(text)
        if as_base64:
            vector = base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()
        data.append({"object": "embedding", "index": index, "embedding": vector})
    tokens = count_tokens(prompt_text(*inputs))
    payload = {"object": "list", "data": data, "model": call.body.get("model", "")}
    usage = {"prompt_tokens": tokens, "total_tokens": tokens}
    return json_reply(with_usage(call, payload, "usage", usage))


def responses_usage(prompt: Prompt) -> dict[str, Any]:
    """Responses API ``usage`` object."""
    return {
        "input_tokens": prompt.prompt_tokens,
        "output_tokens": prompt.completion_tokens,
        "total_tokens": prompt.prompt_tokens + prompt.completion_tokens,
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens_details": {"reasoning_tokens": 0},
    }


def handle_responses(call: Call) -> Reply:
    """POST .../responses."""
    prompt = responses_prompt(call.body)
    response: dict[str, Any] = {
        "id": new_id("resp_"),
        "object": "response",
        "created_at": int(time.time()),
        "status": "completed",
        "error": None,
        "incomplete_details": None,
        "instructions": call.body.get("instructions"),
        "metadata": {},
        "model": call.body.get("model", ""),
        "output": [],
        "parallel_tool_calls": True,
        "temperature": 1.0,
        "tool_choice": "auto",
        "tools": [],
        "top_p": 1.0,
    }
    text_part = {"type": "output_text", "text": prompt.reply, "annotations": [], "logprobs": []}
    item = {
        "id": new_id("msg_"),
        "type": "message",
        "status": "completed",
        "role": "assistant",
        "content": [text_part],
    }
    done = with_usage(call, {**response, "output": [item]}, "usage", responses_usage(prompt))
    if call.stream:
        return _responses_stream(prompt, {**response, "status": "in_progress"}, item, done)
    return json_reply(done)


def _responses_stream(
    prompt: Prompt, pending: dict[str, Any], item: dict[str, Any], done: dict[str, Any]
) -> Reply:
    """The Responses API event sequence for a single text message."""
    part = item["content"][0]
    where = {"item_id": item["id"], "output_index": 0, "content_index": 0}
    empty_item = {**item, "status": "in_progress", "content": []}
    events: list[tuple[str, dict[str, Any]]] = [
        ("response.created", {"response": pending}),
        ("response.in_progress", {"response": pending}),
        ("response.output_item.added", {"output_index": 0, "item": empty_item}),
        ("response.content_part.added", {**where, "part": {**part, "text": ""}}),
    ]
    events += [
        ("response.output_text.delta", {**where, "delta": word, "logprobs": []})
        for word in split_words(prompt.reply)
    ]
    events += [
        ("response.output_text.done", {**where, "text": prompt.reply, "logprobs": []}),
        ("response.content_part.done", {**where, "part": part}),
        ("response.output_item.done", {"output_index": 0, "item": item}),
        ("response.completed", {"response": done}),
    ]
    return sse_reply(
        (name, {"type": name, "sequence_number": seq, **data})
        for seq, (name, data) in enumerate(events)
    )


def handle_speech(call: Call) -> Reply:
    """POST .../audio/speech: deterministic binary audio."""
    return Reply(200, "audio/mpeg", speech_bytes(str(call.body.get("input", ""))))


def multipart_fields(content_type: str, body: bytes) -> dict[str, bytes]:
    """Minimal multipart/form-data parser: field name -> raw bytes."""
    header = Message()
    header["content-type"] = content_type
    boundary = header.get_param("boundary")
    if not isinstance(boundary, str):
        return {}
    fields: dict[str, bytes] = {}
    for chunk in body.split(b"--" + boundary.encode())[1:]:
        if chunk.startswith(b"--"):
            break
        head, _, data = chunk.partition(b"\r\n\r\n")
        name = re.search(rb'\bname="([^"]*)"', head)
        if name:
            fields[name.group(1).decode()] = data.removesuffix(b"\r\n")
    return fields


def handle_transcriptions(call: Call) -> Reply:
    """POST .../audio/transcriptions (multipart): echoes the uploaded file size."""
    fields = multipart_fields(call.headers.get("content-type", ""), call.raw)
    if "file" not in fields:
        return error_reply(OPENAI, 400, "multipart field 'file' is required")
    return json_reply({"text": transcription_text(len(fields["file"]))})
