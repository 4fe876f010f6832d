"""Parsing an OpenAI-style chat-completions body into the neutral request.

Shared by every dialect that speaks OpenAI's request schema (OpenAI, Azure,
Groq, Gemini's OpenAI-compatible route). Validation is explicit so that each
error names the exact field (`messages[0].content`) in OpenAI's own wording.
"""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass
from typing import Any

from fakellm.dialects.openai.semantics import FIELDS, OPENAI_RULES, Rules, apply_semantics, typed_item
from fakellm.errors import bad_request, json_type_name, missing, wrong_type
from fakellm.model import (
    ChatRequest,
    DialectOptions,
    FilePart,
    ImagePart,
    Message,
    Part,
    Role,
    TextPart,
    Tool,
    ToolCall,
)

ROLES: tuple[Role, ...] = ("system", "developer", "user", "assistant", "tool")
PART_TYPES = ("text", "image_url", "input_audio", "refusal", "file")
KNOWN_FIELDS = FIELDS | {
    "model",
    "messages",
    "tools",
    "stream",
    "stream_options",
    "max_tokens",
    "max_completion_tokens",
    "n",
}
MAX_N = 128


@dataclass(frozen=True, slots=True)
class OpenAIOptions(DialectOptions):
    """`stream_options.include_obfuscation`: OpenAI pads every chunk unless the client says false."""

    include_obfuscation: bool = True


OBFUSCATED = OpenAIOptions()
NOT_OBFUSCATED = OpenAIOptions(include_obfuscation=False)


def openai_options(body: dict[str, Any]) -> OpenAIOptions:
    """OpenAI's own options from an already parsed body."""
    options = body.get("stream_options")
    off = isinstance(options, dict) and options.get("include_obfuscation") is False
    return NOT_OBFUSCATED if off else OBFUSCATED


def require_object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise bad_request(
            f"The request body must be a JSON object, but got {json_type_name(body)} instead.",
            code="invalid_type",
        )
    return body


def optional_int(body: dict[str, Any], key: str, minimum: int, maximum: int | None = None) -> int | None:
    value = body.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise wrong_type(key, "an integer", value)
    if value < minimum:
        raise bad_request(
            f"Invalid '{key}': integer below minimum value. Expected a value >= {minimum}, but got {value} instead.",
            param=key,
            code="integer_below_min_value",
        )
    if maximum is not None and value > maximum:
        raise bad_request(
            f"Invalid '{key}': integer above maximum value. Expected a value <= {maximum}, but got {value} instead.",
            param=key,
            code="integer_above_max_value",
        )
    return value


def optional_bool(body: dict[str, Any], key: str, param: str | None = None) -> bool:
    value = body.get(key)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise wrong_type(param or key, "a boolean", value)
    return value


def _parts(value: list[Any], where: str) -> list[Part]:
    parts: list[Part] = []
    for i, item in enumerate(value):
        at = f"{where}[{i}]"
        item, kind = typed_item(item, at, PART_TYPES)
        if kind in ("text", "refusal"):
            text = item.get(kind)
            if text is None:
                raise missing(f"{at}.{kind}")
            if not isinstance(text, str):
                raise wrong_type(f"{at}.{kind}", "a string", text)
            parts.append(TextPart(text))
        elif kind == "image_url":
            image = item.get("image_url")
            if not isinstance(image, dict) or not isinstance(image.get("url"), str):
                raise missing(f"{at}.image_url.url")
            parts.append(ImagePart(url=image["url"]))
        else:
            parts.append(FilePart(mime_type=str(kind)))
    return parts


def _functions(value: Any, where: str, *, named: bool) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    """The `(at, item, function)` of each `{"type": "function", "function": {"name": …}}` object in the
    array `value` (tool calls in a message, tools offered); `named`: the name may not be empty."""
    if not isinstance(value, list):
        raise wrong_type(where, "an array", value)
    found = []
    for i, item in enumerate(value):
        at = f"{where}[{i}]"
        if not isinstance(item, dict):
            raise wrong_type(at, "an object", item)
        function = item.get("function")
        if not isinstance(function, dict):
            raise missing(f"{at}.function")
        name = function.get("name")
        if not isinstance(name, str) or (named and not name):
            raise missing(f"{at}.function.name")
        found.append((at, item, function))
    return found


def _tool_calls(value: Any, where: str) -> list[ToolCall]:
    calls = []
    for at, item, function in _functions(value, where, named=False):
        name = function["name"]
        arguments = function.get("arguments", "")
        if not isinstance(arguments, str):
            raise wrong_type(f"{at}.function.arguments", "a string", arguments)
        calls.append(ToolCall(id=str(item.get("id", "")), name=name, arguments=arguments))
    return calls


def parse_message(item: Any, where: str) -> Message:
    item, role = typed_item(item, where, ROLES, key="role")
    message = Message(role=role)
    if "tool_calls" in item and item["tool_calls"] is not None:
        if role != "assistant":
            raise bad_request(
                f"Invalid parameter: '{where}.tool_calls' is only allowed for messages with role 'assistant'.",
                param=f"{where}.tool_calls",
            )
        message.tool_calls = _tool_calls(item["tool_calls"], f"{where}.tool_calls")
    content = item.get("content")
    if content is None:
        if role != "assistant" or not message.tool_calls:
            raise missing(f"{where}.content")
    elif isinstance(content, str):
        message.parts = [TextPart(content)]
    elif isinstance(content, list):
        message.parts = _parts(content, f"{where}.content")
    else:
        raise wrong_type(f"{where}.content", "one of a string or array of objects", content)
    if role == "tool":
        tool_call_id = item.get("tool_call_id")
        if not isinstance(tool_call_id, str):
            raise missing(f"{where}.tool_call_id")
        message.tool_call_id = tool_call_id
    name = item.get("name")
    if isinstance(name, str):
        message.name = name
    return message


def parse_tools(value: Any) -> list[Tool]:
    if value is None:
        return []
    tools = []
    for at, _, function in _functions(value, "tools", named=True):
        name = function["name"]
        parameters = function.get("parameters") or {}
        if not isinstance(parameters, dict):
            raise wrong_type(f"{at}.function.parameters", "an object", parameters)
        description = function.get("description") or ""
        tools.append(Tool(name=name, description=str(description), parameters=parameters))
    return tools


def parse_chat_body(
    body: Any,
    dialect: str,
    *,
    model_required: bool = True,
    consumed: Set[str] = frozenset(),
    rules: Rules = OPENAI_RULES,
) -> ChatRequest:
    """Validate an OpenAI-schema body, with what it asks of the answer as `rules` allow. Fields neither
    this parser nor the dialect (`consumed`) reads land in `extras`."""
    data = require_object(body)
    model = data.get("model")
    if model is None:
        if model_required:
            raise bad_request("you must provide a model parameter", param="model", code="missing_model")
        model = ""
    elif not isinstance(model, str):
        raise wrong_type("model", "a string", model)

    raw_messages = data.get("messages")
    if raw_messages is None:
        raise missing("messages")
    if not isinstance(raw_messages, list):
        raise wrong_type("messages", "an array", raw_messages)
    if not raw_messages:
        raise bad_request(
            "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.",
            param="messages",
            code="empty_array",
        )
    messages = [parse_message(m, f"messages[{i}]") for i, m in enumerate(raw_messages)]

    stream = optional_bool(data, "stream")
    include_usage = False
    options = data.get("stream_options")
    if options is not None:
        if not isinstance(options, dict):
            raise wrong_type("stream_options", "an object", options)
        if not stream:
            raise bad_request(
                "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
                param="stream_options",
                code="invalid_value",
            )
        include_usage = optional_bool(options, "include_usage", "stream_options.include_usage")

    max_tokens = optional_int(data, "max_completion_tokens", 1)
    if max_tokens is None:
        max_tokens = optional_int(data, "max_tokens", 1)
    n = optional_int(data, "n", 1, MAX_N) or 1
    extras = {k: v for k, v in data.items() if k not in KNOWN_FIELDS and k not in consumed}
    request = ChatRequest(
        dialect=dialect,
        model=model,
        messages=messages,
        tools=parse_tools(data.get("tools")),
        stream=stream,
        include_usage=include_usage,
        max_tokens=max_tokens,
        n=n,
        extras=extras,
    )
    apply_semantics(data, request, rules)
    return request
