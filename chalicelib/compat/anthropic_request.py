"""OpenAI chat request -> Anthropic Messages API request."""

from __future__ import annotations

from typing import Any

from chalicelib.compat.chat_input import ChatRequest, Image, Message, Part, ToolChoice
from chalicelib.compat.native_turns import append_turn
from chalicelib.errors import CompatError

DEFAULT_MAX_TOKENS = 4096
"""Anthropic requires `max_tokens`; used when the client sets none."""


def anthropic_body(request: ChatRequest) -> dict[str, Any]:
    """The Messages API body for a validated chat request."""
    if request.response_format != "text":
        raise CompatError("'response_format' json_object/json_schema is not supported by anthropic")
    body: dict[str, Any] = {
        "model": request.model,
        "max_tokens": request.max_tokens or DEFAULT_MAX_TOKENS,
        "messages": anthropic_messages(request.turns),
    }
    if request.system:
        body["system"] = request.system
    for key, value in (("temperature", request.temperature), ("top_p", request.top_p)):
        if value is not None:
            body[key] = value
    if request.stop:
        body["stop_sequences"] = request.stop
    if request.stream:
        body["stream"] = True
    if request.user:
        body["metadata"] = {"user_id": request.user}
    if request.tools:
        body["tools"] = [
            {
                "name": tool.name,
                **({"description": tool.description} if tool.description else {}),
                "input_schema": tool.parameters,
            }
            for tool in request.tools
        ]
    choice = _tool_choice(request.tool_choice, request.parallel_tool_calls)
    if choice is not None and request.tools:
        body["tool_choice"] = choice
    return body


def anthropic_messages(turns: list[Message]) -> list[dict[str, Any]]:
    """Messages with tool calls as `tool_use` and tool results as user `tool_result` blocks.

    Consecutive turns that map to the same role (e.g. several tool results, or tool results
    then a user message) are merged into one message, as Anthropic expects.
    """
    messages: list[dict[str, Any]] = []
    for turn in turns:
        role = "assistant" if turn.role == "assistant" else "user"
        append_turn(messages, role, "content", _blocks(turn))
    return messages


def _blocks(turn: Message) -> list[dict[str, Any]]:
    if turn.role == "tool":
        result: dict[str, Any] = {"type": "tool_result", "tool_use_id": turn.tool_call_id}
        result["content"] = turn.text
        return [result]
    blocks = [_part(part) for part in turn.parts if part.image is not None or part.text]
    blocks += [
        {"type": "tool_use", "id": call.id, "name": call.name, "input": call.arguments}
        for call in turn.tool_calls
    ]
    return blocks


def _part(part: Part) -> dict[str, Any]:
    if part.image is None:
        return {"type": "text", "text": part.text}
    return {"type": "image", "source": _image_source(part.image)}


def _image_source(image: Image) -> dict[str, Any]:
    if image.url is not None:
        return {"type": "url", "url": image.url}
    return {"type": "base64", "media_type": image.media_type, "data": image.data}


def _tool_choice(choice: ToolChoice | None, parallel: bool | None) -> dict[str, Any] | None:
    """Anthropic `tool_choice`; `parallel_tool_calls: false` disables parallel tool use."""
    if choice is None and parallel is not False:
        return None
    mode = choice.mode if choice else "auto"
    choices: dict[str, dict[str, object]] = {
        "auto": {"type": "auto"},
        "none": {"type": "none"},
        "required": {"type": "any"},
        "named": {"type": "tool", "name": choice.name if choice else None},
    }
    result = choices[mode]
    if parallel is False and mode != "none":
        result["disable_parallel_tool_use"] = True
    return result
