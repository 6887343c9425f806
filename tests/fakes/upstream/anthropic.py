"""The Anthropic wire format: Messages (JSON and SSE, text or one ``tool_use`` block)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tests.fakes.upstream.wire import (
    Call,
    Prompt,
    Reply,
    ToolUse,
    answering,
    content_text,
    dicts,
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


def anthropic_tool_results(body: Mapping[str, Any]) -> list[str]:
    """Texts of the ``tool_result`` blocks of the last message, when it is a user one."""
    messages = dicts(body.get("messages"))
    if not messages or messages[-1].get("role") != "user":
        return []
    blocks = dicts(messages[-1].get("content"))
    return [content_text(b.get("content")) for b in blocks if b.get("type") == "tool_result"]


def anthropic_prompt(body: Mapping[str, Any]) -> Prompt:
    """Prompt of an Anthropic Messages request (``system`` + ``messages``)."""
    system = optional_text(content_text(body.get("system")))
    prompt = messages_prompt(system, dicts(body.get("messages")), "content")
    return answering(prompt, anthropic_tool_results(body))


def anthropic_tool_use(body: Mapping[str, Any]) -> ToolUse | None:
    """The tool call an Anthropic Messages request gets, None for a text reply."""
    if anthropic_tool_results(body):
        return None
    tools = [(t["name"], t.get("input_schema")) for t in dicts(body.get("tools")) if "name" in t]
    choice = body.get("tool_choice")
    choice = choice if isinstance(choice, dict) else {}
    return pick_tool(tools, choice.get("name"), disabled=choice.get("type") == "none")


# --------------------------------------------------------------------------- messages


def anthropic_usage(input_tokens: int, output_tokens: int) -> dict[str, Any]:
    """Anthropic ``usage`` object."""
    return {
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0,
    }


def handle_messages(call: Call) -> Reply:
    """POST .../v1/messages: a text block, or a ``tool_use`` block when a tool is called."""
    prompt = anthropic_prompt(call.body)
    tool = anthropic_tool_use(call.body)
    if tool is None:
        block: dict[str, Any] = {"type": "text", "text": prompt.reply}
        stop_reason, output_tokens = "end_turn", prompt.completion_tokens
        empty_block: dict[str, Any] = {"type": "text", "text": ""}
        deltas = [{"type": "text_delta", "text": word} for word in split_words(prompt.reply)]
    else:
        block = {"type": "tool_use", "id": new_id("toolu_"), "name": tool.name}
        empty_block = {**block, "input": {}}
        block["input"] = tool.arguments
        stop_reason, output_tokens = "tool_use", tool.tokens
        deltas = [{"type": "input_json_delta", "partial_json": f} for f in tool.fragments]
    message = {
        "id": new_id("msg_"),
        "type": "message",
        "role": "assistant",
        "model": call.body.get("model", ""),
        "content": [block],
        "stop_reason": stop_reason,
        "stop_sequence": None,
    }
    if not call.stream:
        usage = anthropic_usage(prompt.prompt_tokens, output_tokens)
        return json_reply(with_usage(call, message, "usage", usage))
    start = {**message, "content": [], "stop_reason": None}
    start = with_usage(call, start, "usage", anthropic_usage(prompt.prompt_tokens, 1))
    final_usage = {"output_tokens": output_tokens}
    final_delta = {"delta": {"stop_reason": stop_reason, "stop_sequence": None}}
    final_delta = with_usage(call, final_delta, "usage", final_usage)
    events: list[tuple[str, dict[str, Any]]] = [
        ("message_start", {"message": start}),
        ("content_block_start", {"index": 0, "content_block": empty_block}),
        ("ping", {}),
    ]
    events += [("content_block_delta", {"index": 0, "delta": delta}) for delta in deltas]
    events += [
        ("content_block_stop", {"index": 0}),
        ("message_delta", final_delta),
        ("message_stop", {}),
    ]
    return sse_reply((name, {"type": name, **data}) for name, data in events)
