"""Validation of OpenAI chat completion requests into a provider-neutral form."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from chalicelib.errors import CompatError
from chalicelib.jsontypes import JsonObject, JsonValue
from chalicelib.validation import MAX_BODY_DEPTH, load_json

ROLES = ("system", "developer", "user", "assistant", "tool")
_DATA_URL = re.compile(r"^data:(?P<type>[\w.+-]+/[\w.+-]+)?(;[^;,]*)*?;base64,(?P<data>.*)$", re.S)
_RESPONSE_FORMATS = ("text", "json_object", "json_schema")


@dataclass(frozen=True)
class Image:
    """An image part: inline base64 data, or a URL to fetch."""

    media_type: str | None = None
    data: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class Part:
    """One content part: text or an image."""

    text: str | None = None
    image: Image | None = None


@dataclass(frozen=True)
class ToolCall:
    """A function call made by the assistant, arguments already decoded."""

    id: str
    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True)
class Message:
    """One conversation turn; `role` "developer" is folded into "system"."""

    role: str
    parts: list[Part] = field(default_factory=list)
    tool_calls: list[ToolCall] = field(default_factory=list)
    tool_call_id: str | None = None

    @property
    def text(self) -> str:
        """The text parts joined (images left out)."""
        return "".join(p.text for p in self.parts if p.text is not None)


@dataclass(frozen=True)
class FunctionTool:
    """A function the model may call."""

    name: str
    description: str | None
    parameters: dict[str, Any]


@dataclass(frozen=True)
class ToolChoice:
    """`mode` is "auto", "none", "required" or "named" (then `name` is set)."""

    mode: str
    name: str | None = None


@dataclass(frozen=True)
class ChatRequest:
    """A validated OpenAI chat completion request."""

    model: str
    messages: list[Message]
    tools: list[FunctionTool] = field(default_factory=list)
    tool_choice: ToolChoice | None = None
    parallel_tool_calls: bool | None = None
    max_tokens: int | None = None
    temperature: float | None = None
    top_p: float | None = None
    stop: list[str] = field(default_factory=list)
    stream: bool = False
    include_usage: bool = False
    user: str | None = None
    seed: int | None = None
    presence_penalty: float | None = None
    frequency_penalty: float | None = None
    response_format: str = "text"
    """"text", "json_object" or "json_schema"."""
    response_schema: dict[str, Any] | None = None

    @property
    def system(self) -> str | None:
        """The system and developer messages joined by blank lines, None when there are none."""
        texts = [m.text for m in self.messages if m.role == "system"]
        return "\n\n".join(texts) if texts else None

    @property
    def turns(self) -> list[Message]:
        """The messages other than system ones, in order."""
        return [m for m in self.messages if m.role != "system"]


def require_object(body: JsonValue, what: str = "request body") -> JsonObject:
    """`body` when it is a JSON object, else CompatError."""
    if not isinstance(body, dict):
        raise CompatError(f"{what} must be a JSON object")
    return body


def check_messages(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The `messages` list with each item an object and a known role (shallow check)."""
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise CompatError("'messages' is required and must be a non-empty array")
    for index, message in enumerate(messages):
        require_object(message, f"messages[{index}]")
        role = message.get("role")
        if role not in ROLES and role != "function":
            raise CompatError(f"messages[{index}].role must be one of {', '.join(ROLES)}")
    return messages


def check_stream(body: dict[str, Any]) -> bool:
    """The `stream` flag; it must be a boolean when present."""
    stream = body.get("stream", False)
    if stream is None:
        return False
    if not isinstance(stream, bool):
        raise CompatError("'stream' must be a boolean")
    return stream


def parse_chat_request(body: dict[str, Any], model: str) -> ChatRequest:
    """Validate a chat completion request for translation; `model` is the bare model name."""
    messages = [_message(m, f"messages[{i}]") for i, m in enumerate(check_messages(body))]
    if all(m.role == "system" for m in messages):
        raise CompatError("'messages' must contain a message other than system ones")
    tools = _tools(body.get("tools"))
    choice = _tool_choice(body.get("tool_choice"), tools)
    n = body.get("n")
    if n not in (None, 1):
        raise CompatError("'n' other than 1 is not supported for this provider")
    response_format, schema = _response_format(body.get("response_format"))
    options = body.get("stream_options")
    if options is not None and not isinstance(options, dict):
        raise CompatError("'stream_options' must be an object")
    return ChatRequest(
        model=model,
        messages=messages,
        tools=tools,
        tool_choice=choice,
        parallel_tool_calls=_optional(body, "parallel_tool_calls", bool),
        max_tokens=_max_tokens(body),
        temperature=_number(body, "temperature"),
        top_p=_number(body, "top_p"),
        stop=_stop(body.get("stop")),
        stream=check_stream(body),
        include_usage=bool(options and options.get("include_usage") is True),
        user=_optional(body, "user", str),
        seed=_integer(body, "seed"),
        presence_penalty=_number(body, "presence_penalty"),
        frequency_penalty=_number(body, "frequency_penalty"),
        response_format=response_format,
        response_schema=schema,
    )


def parse_data_url(url: str) -> Image | None:
    """The image of a base64 `data:` URL, None when `url` is not a data URL."""
    if not url.startswith("data:"):
        return None
    match = _DATA_URL.match(url)
    if match is None:
        raise CompatError("image data URLs must be base64 encoded (data:<type>;base64,...)")
    return Image(media_type=match["type"] or "application/octet-stream", data=match["data"])


# --- messages ------------------------------------------------------------------------------


def _message(raw: dict[str, Any], where: str) -> Message:
    role = raw["role"]
    if role == "function":
        raise CompatError(f"{where}: role 'function' is deprecated, use 'tool' messages")
    if role == "tool":
        call_id = raw.get("tool_call_id")
        if not isinstance(call_id, str) or not call_id:
            raise CompatError(f"{where}.tool_call_id is required for role 'tool'")
        return Message("tool", _text_parts(raw.get("content"), where), tool_call_id=call_id)
    if role in ("system", "developer"):
        return Message("system", _text_parts(raw.get("content"), where))
    if role == "user":
        if raw.get("content") is None:
            raise CompatError(f"{where}.content is required for role 'user'")
        return Message("user", _user_parts(raw["content"], where))
    content = raw.get("content")
    calls = _tool_calls(raw.get("tool_calls"), where)
    if content is None and not calls:
        raise CompatError(f"{where}: an assistant message needs content or tool_calls")
    return Message("assistant", _text_parts(content, where), tool_calls=calls)


def _content_parts(
    content: Any, where: str, read_part: Callable[[dict[str, Any], str], Part]
) -> list[Part]:
    """A string (one text part) or an array of content parts, each read by `read_part` (given
    the part and where it stands)."""
    if isinstance(content, str):
        return [Part(text=content)]
    if not isinstance(content, list):
        raise CompatError(f"{where}.content must be a string or an array of content parts")
    parts = []
    for index, part in enumerate(content):
        at = f"{where}.content[{index}]"
        parts.append(read_part(require_object(part, at), at))
    return parts


def _text_parts(content: Any, where: str) -> list[Part]:
    """Text-only content: a string, a list of text (or refusal) parts, or null."""
    if content is None:
        return []
    return _content_parts(content, where, _text_part)


def _text_part(part: dict[str, Any], at: str) -> Part:
    kind = part.get("type")
    key = "refusal" if kind == "refusal" else "text"
    if kind not in ("text", "refusal") or not isinstance(part.get(key), str):
        raise CompatError(f"{at} must be a text part for this role")
    return Part(text=part[key])


def _user_parts(content: Any, where: str) -> list[Part]:
    """User content: a string or a list of text and image_url parts."""
    return _content_parts(content, where, _user_part)


def _user_part(part: dict[str, Any], at: str) -> Part:
    kind = part.get("type")
    if kind == "text":
        if not isinstance(part.get("text"), str):
            raise CompatError(f"{at}.text must be a string")
        return Part(text=part["text"])
    if kind == "image_url":
        return Part(image=_image(part.get("image_url"), at))
    raise CompatError(f"{at}: content part type {kind!r} is not supported")


def _image(raw: Any, where: str) -> Image:
    url = raw.get("url") if isinstance(raw, dict) else raw
    if not isinstance(url, str) or not url:
        raise CompatError(f"{where}.image_url.url must be a non-empty string")
    inline = parse_data_url(url)
    if inline is not None:
        return inline
    if not url.startswith(("http://", "https://")):
        raise CompatError(f"{where}.image_url.url must be an http(s) or base64 data URL")
    return Image(url=url)


def _tool_calls(raw: Any, where: str) -> list[ToolCall]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise CompatError(f"{where}.tool_calls must be an array")
    calls = []
    for index, call in enumerate(raw):
        at = f"{where}.tool_calls[{index}]"
        function = require_object(require_object(call, at).get("function"), f"{at}.function")
        call_id, name = call.get("id"), function.get("name")
        if not isinstance(call_id, str) or not call_id:
            raise CompatError(f"{at}.id must be a non-empty string")
        if not isinstance(name, str) or not name:
            raise CompatError(f"{at}.function.name must be a non-empty string")
        calls.append(ToolCall(call_id, name, _arguments(function.get("arguments"), at)))
    return calls


def _arguments(raw: Any, where: str) -> dict[str, Any]:
    """Decoded tool call arguments (a JSON object in a string); empty means no arguments."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return {}
    if isinstance(raw, dict):
        return raw
    try:
        value = load_json(raw, MAX_BODY_DEPTH) if isinstance(raw, str) else None
    except ValueError:
        value = None
    if not isinstance(value, dict):
        raise CompatError(f"{where}.function.arguments must be a JSON object encoded as a string")
    return value


# --- tools ---------------------------------------------------------------------------------


def _tools(raw: Any) -> list[FunctionTool]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise CompatError("'tools' must be an array")
    tools = []
    for index, tool in enumerate(raw):
        at = f"tools[{index}]"
        if require_object(tool, at).get("type") != "function":
            raise CompatError(f"{at}.type must be 'function'")
        function = require_object(tool.get("function"), f"{at}.function")
        name, description = function.get("name"), function.get("description")
        if not isinstance(name, str) or not name:
            raise CompatError(f"{at}.function.name must be a non-empty string")
        if description is not None and not isinstance(description, str):
            raise CompatError(f"{at}.function.description must be a string")
        parameters = function.get("parameters")
        if parameters is None:
            parameters = {"type": "object", "properties": {}}
        tools.append(
            FunctionTool(name, description, require_object(parameters, at + ".parameters"))
        )
    return tools


def _tool_choice(raw: Any, tools: list[FunctionTool]) -> ToolChoice | None:
    if raw is None:
        return None
    if raw in ("auto", "none", "required"):
        return ToolChoice(raw)
    name = None
    if isinstance(raw, dict) and raw.get("type") == "function":
        function = raw.get("function")
        name = function.get("name") if isinstance(function, dict) else None
    if not isinstance(name, str):
        raise CompatError(
            "'tool_choice' must be 'auto', 'none', 'required' or "
            '{"type": "function", "function": {"name": ...}}'
        )
    if name not in {t.name for t in tools}:
        raise CompatError(f"'tool_choice' names {name!r}, which is not in 'tools'")
    return ToolChoice("named", name)


# --- scalar parameters ---------------------------------------------------------------------


def _optional(body: dict[str, Any], key: str, kind: type) -> Any:
    value = body.get(key)
    if value is not None and not isinstance(value, kind):
        raise CompatError(f"{key!r} must be a {kind.__name__}")
    return value


def _number(body: dict[str, Any], key: str) -> float | None:
    value = body.get(key)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
        raise CompatError(f"{key!r} must be a number")
    return value


def _integer(body: dict[str, Any], key: str) -> int | None:
    value = body.get(key)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise CompatError(f"{key!r} must be an integer")
    return value


def _max_tokens(body: dict[str, Any]) -> int | None:
    """`max_completion_tokens`, else the older `max_tokens`; a positive integer."""
    key = "max_completion_tokens" if body.get("max_completion_tokens") is not None else "max_tokens"
    value = _integer(body, key)
    if value is not None and value < 1:
        raise CompatError(f"{key!r} must be at least 1")
    return value


def _stop(raw: Any) -> list[str]:
    if raw is None:
        return []
    stops = [raw] if isinstance(raw, str) else raw
    if not isinstance(stops, list) or not all(isinstance(s, str) for s in stops):
        raise CompatError("'stop' must be a string or an array of strings")
    return stops


def _response_format(raw: Any) -> tuple[str, dict[str, Any] | None]:
    if raw is None:
        return "text", None
    kind = raw.get("type") if isinstance(raw, dict) else None
    if kind not in _RESPONSE_FORMATS:
        raise CompatError("'response_format.type' must be text, json_object or json_schema")
    if kind != "json_schema":
        return kind, None
    spec = require_object(raw.get("json_schema"), "response_format.json_schema")
    return kind, require_object(spec.get("schema", {}), "response_format.json_schema.schema")
