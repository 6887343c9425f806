"""OpenAI chat request -> Gemini generateContent request."""

from __future__ import annotations

import mimetypes
from typing import Any

from chalicelib.compat.chat_input import ChatRequest, Image, Message, Part, ToolChoice
from chalicelib.compat.native_turns import append_turn
from chalicelib.errors import CompatError
from chalicelib.validation import MAX_BODY_DEPTH, load_json

_CONFIG_KEYS = (
    ("temperature", "temperature"),
    ("top_p", "topP"),
    ("max_tokens", "maxOutputTokens"),
    ("seed", "seed"),
    ("presence_penalty", "presencePenalty"),
    ("frequency_penalty", "frequencyPenalty"),
)
_MODES = {"auto": "AUTO", "none": "NONE", "required": "ANY", "named": "ANY"}


def google_body(request: ChatRequest) -> dict[str, Any]:
    """The generateContent body for a validated chat request."""
    body: dict[str, Any] = {"contents": google_contents(request.turns)}
    if request.system:
        body["systemInstruction"] = {"parts": [{"text": request.system}]}
    config = {
        native: getattr(request, key)
        for key, native in _CONFIG_KEYS
        if getattr(request, key) is not None
    }
    if request.stop:
        config["stopSequences"] = request.stop
    if request.response_format != "text":
        config["responseMimeType"] = "application/json"
    if request.response_schema is not None:
        config["responseJsonSchema"] = request.response_schema
    if config:
        body["generationConfig"] = config
    if request.tools:
        declarations = [
            {
                "name": tool.name,
                **({"description": tool.description} if tool.description else {}),
                "parametersJsonSchema": tool.parameters,
            }
            for tool in request.tools
        ]
        body["tools"] = [{"functionDeclarations": declarations}]
        if request.tool_choice is not None:
            body["toolConfig"] = {"functionCallingConfig": _calling_config(request.tool_choice)}
    return body


def google_contents(turns: list[Message]) -> list[dict[str, Any]]:
    """Contents with roles user/model; tool calls and results as function parts.

    A tool result names its function by the `tool_call_id` of an earlier assistant call.
    Consecutive turns of the same role (e.g. parallel tool results) share one content.
    """
    names: dict[str, str] = {}
    contents: list[dict[str, Any]] = []
    for turn in turns:
        for call in turn.tool_calls:
            names[call.id] = call.name
        role = "model" if turn.role == "assistant" else "user"
        append_turn(contents, role, "parts", _parts(turn, names))
    return contents


def _parts(turn: Message, names: dict[str, str]) -> list[dict[str, Any]]:
    if turn.role == "tool":
        name = names.get(turn.tool_call_id or "")
        if name is None:
            raise CompatError(
                f"tool message {turn.tool_call_id!r} does not answer any earlier tool call"
            )
        response = {"name": name, "response": function_response(turn.text)}
        return [{"functionResponse": response}]
    parts = [_part(part) for part in turn.parts if part.image is not None or part.text]
    parts += [{"functionCall": {"name": c.name, "args": c.arguments}} for c in turn.tool_calls]
    return parts


def function_response(text: str) -> dict[str, Any]:
    """A tool result as a `functionResponse.response` object: JSON objects as they are,
    anything else under `output` (Gemini's convention)."""
    try:
        value = load_json(text, MAX_BODY_DEPTH)
    except ValueError:
        value = None
    return value if isinstance(value, dict) else {"output": text}


def _part(part: Part) -> dict[str, Any]:
    if part.image is None:
        return {"text": part.text}
    return _image_part(part.image)


def _image_part(image: Image) -> dict[str, Any]:
    if image.url is None:
        return {"inlineData": {"mimeType": image.media_type, "data": image.data}}
    media_type = mimetypes.guess_type(image.url.split("?", 1)[0])[0] or "image/jpeg"
    return {"fileData": {"mimeType": media_type, "fileUri": image.url}}


def _calling_config(choice: ToolChoice) -> dict[str, Any]:
    config: dict[str, Any] = {"mode": _MODES[choice.mode]}
    if choice.name is not None:
        config["allowedFunctionNames"] = [choice.name]
    return config
