"""Parsing a Gemini `generateContent` body into the neutral request.

Gemini speaks in `contents` (roles `user` and `model`) made of `parts`, with a
separate `systemInstruction`, `generationConfig` and `tools.functionDeclarations`.
Errors are worded the way Google's API words them (`Invalid value at 'contents[0].role'`).
Both spellings protobuf JSON accepts (`systemInstruction`, `system_instruction`) are read.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from fakellm.errors import ApiError, bad_request
from fakellm.ids import IdSource
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

DATA_FIELDS = (
    "text",
    "inlineData",
    "fileData",
    "functionCall",
    "functionResponse",
    "executableCode",
    "codeExecutionResult",
)
ROLES = ("user", "model")
MAX_CANDIDATES = 8
# Top-level fields the parser turns into the neutral request (the rest are kept in `extras`).
MODELLED_FIELDS = frozenset(
    {"contents", "systemInstruction", "system_instruction", "tools", "toolConfig", "tool_config"}
)


@dataclass(frozen=True, slots=True)
class GeminiOptions(DialectOptions):
    """`thinkingConfig.includeThoughts` (native), or Google's `thinking_config` (OpenAI route)."""

    include_thoughts: bool = False


WITH_THOUGHTS = GeminiOptions(include_thoughts=True)
WITHOUT_THOUGHTS = GeminiOptions()


def field(obj: dict[str, Any], camel: str) -> Any:
    """A field by its camelCase name or its snake_case twin."""
    if camel in obj:
        return obj[camel]
    snake = "".join(f"_{c.lower()}" if c.isupper() else c for c in camel)
    return obj.get(snake)


def invalid(message: str, param: str | None = None) -> ApiError:
    return bad_request(message, param=param, code="invalid_argument")


def not_specified(path: str, what: str) -> ApiError:
    return invalid(f"* GenerateContentRequest.{path}: {what} is not specified\n", path)


def invalid_value(path: str, proto_type: str, value: Any) -> ApiError:
    shown = json.dumps(value, ensure_ascii=False)
    return invalid(
        f"Invalid JSON payload received. Invalid value at '{path}' ({proto_type}), {shown}",
        path,
    )


def require_dict(value: Any, path: str, proto_type: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise invalid_value(path, proto_type, value)
    return value


def _text(value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise invalid_value(path, "TYPE_STRING", value)
    return value


def _args_text(args: Any, path: str) -> str:
    if args is None:
        return "{}"
    if not isinstance(args, dict):
        raise invalid_value(path, "type.googleapis.com/google.protobuf.Struct", args)
    return json.dumps(args, ensure_ascii=False)


def parse_content(content: Any, path: str, ids: IdSource, system: bool = False) -> list[Message]:
    """One Gemini `Content` as neutral messages (a user turn with function responses becomes tool messages)."""
    content = require_dict(content, path, "type.googleapis.com/google.ai.generativelanguage.v1beta.Content")
    role = content.get("role") or "user"
    if not system and role not in ROLES:
        raise invalid(f"Please use a valid role: {', '.join(ROLES)}.", f"{path}.role")
    raw_parts = content.get("parts")
    if raw_parts is None or raw_parts == []:
        raise invalid(f"* GenerateContentRequest.{path}.parts: contents.parts must not be empty.\n", f"{path}.parts")
    if not isinstance(raw_parts, list):
        raise invalid_value(f"{path}.parts", "type.googleapis.com/google.ai.generativelanguage.v1beta.Part", raw_parts)
    neutral_role: Role = "system" if system else ("assistant" if role == "model" else "user")
    main = Message(role=neutral_role)
    out: list[Message] = []
    for i, part in enumerate(raw_parts):
        at = f"{path}.parts[{i}]"
        part = require_dict(part, at, "type.googleapis.com/google.ai.generativelanguage.v1beta.Part")
        kinds = [k for k in DATA_FIELDS if field(part, k) is not None]
        if not kinds:
            raise invalid(
                f"* GenerateContentRequest.{at}.data: required oneof field 'data' must have one initialized field\n",
                f"{at}.data",
            )
        kind = kinds[0]
        value = field(part, kind)
        if field(part, "thought") is True:
            continue  # earlier thoughts sent back as history are not part of the conversation text
        if kind == "text":
            main.parts.append(TextPart(_text(value, f"{at}.text")))
        elif kind in ("inlineData", "fileData"):
            data = require_dict(value, f"{at}.{kind}", "type.googleapis.com/google.ai.generativelanguage.v1beta.Blob")
            mime = str(field(data, "mimeType") or "")
            uri = str(field(data, "fileUri") or "")
            part_out: Part = ImagePart(url=uri, mime_type=mime) if mime.startswith("image/") else FilePart(mime)
            main.parts.append(part_out)
        elif kind == "functionCall":
            call = require_dict(value, f"{at}.functionCall", "FunctionCall")
            name = _text(call.get("name"), f"{at}.functionCall.name")
            call_id = call.get("id") or ids.lower("call_", 8)
            main.tool_calls.append(
                ToolCall(str(call_id), name, _args_text(call.get("args"), f"{at}.functionCall.args"))
            )
        elif kind == "functionResponse":
            response = require_dict(value, f"{at}.functionResponse", "FunctionResponse")
            name = _text(response.get("name"), f"{at}.functionResponse.name")
            result = json.dumps(response.get("response", {}), ensure_ascii=False)
            out.append(Message("tool", [TextPart(result)], tool_call_id=str(response.get("id") or name), name=name))
        else:
            main.parts.append(FilePart(mime_type=kind))
    if main.parts or main.tool_calls or not out:
        out.insert(0, main)
    return out


def parse_tools(value: Any) -> list[Tool]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise invalid_value("tools", "type.googleapis.com/google.ai.generativelanguage.v1beta.Tool", value)
    tools: list[Tool] = []
    for i, tool in enumerate(value):
        tool = require_dict(tool, f"tools[{i}]", "type.googleapis.com/google.ai.generativelanguage.v1beta.Tool")
        declarations = field(tool, "functionDeclarations") or []
        if not isinstance(declarations, list):
            raise invalid_value(f"tools[{i}].function_declarations", "FunctionDeclaration", declarations)
        for j, declaration in enumerate(declarations):
            at = f"tools[{i}].function_declarations[{j}]"
            declaration = require_dict(declaration, at, "FunctionDeclaration")
            name = declaration.get("name")
            if not isinstance(name, str) or not name:
                raise invalid(f"* GenerateContentRequest.{at}.name: Name cannot be empty.\n", f"{at}.name")
            schema = field(declaration, "parametersJsonSchema") or declaration.get("parameters") or {}
            if not isinstance(schema, dict):
                raise invalid_value(f"{at}.parameters", "Schema", schema)
            tools.append(Tool(name, str(declaration.get("description") or ""), schema))
    return tools


def _config_int(config: dict[str, Any], camel: str, minimum: int, maximum: int | None = None) -> int | None:
    value = field(config, camel)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid_value(f"generation_config.{camel}", "TYPE_INT32", value)
    if value < minimum or (maximum is not None and value > maximum):
        upper = f" and at most {maximum}" if maximum is not None else ""
        raise invalid(
            f"* GenerateContentRequest.generation_config.{camel}: must be at least {minimum}{upper}.\n",
            f"generation_config.{camel}",
        )
    return value


def parse_generate_body(body: Any, model: str, *, stream: bool, ids: IdSource) -> ChatRequest:
    if not isinstance(body, dict):
        raise invalid_value("", "type.googleapis.com/google.ai.generativelanguage.v1beta.GenerateContentRequest", body)
    contents = body.get("contents")
    if contents is None or contents == []:
        raise not_specified("contents", "contents")
    if not isinstance(contents, list):
        raise invalid_value("contents", "type.googleapis.com/google.ai.generativelanguage.v1beta.Content", contents)
    messages: list[Message] = []
    system = field(body, "systemInstruction")
    if system is not None:
        messages += parse_content(system, "system_instruction", ids, system=True)
    for i, content in enumerate(contents):
        messages += parse_content(content, f"contents[{i}]", ids)

    config = field(body, "generationConfig") or {}
    config = require_dict(config, "generation_config", "GenerationConfig")
    thinking = field(config, "thinkingConfig") or {}
    thinking = require_dict(thinking, "generation_config.thinking_config", "ThinkingConfig")
    return ChatRequest(
        dialect="gemini",
        model=model,
        messages=messages,
        tools=parse_tools(body.get("tools")),
        stream=stream,
        include_usage=True,
        max_tokens=_config_int(config, "maxOutputTokens", 1),
        n=_config_int(config, "candidateCount", 1, MAX_CANDIDATES) or 1,
        extras={k: v for k, v in body.items() if k not in MODELLED_FIELDS},
        options=WITH_THOUGHTS if field(thinking, "includeThoughts") is True else WITHOUT_THOUGHTS,
    )
