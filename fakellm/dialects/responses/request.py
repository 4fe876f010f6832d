"""Parsing a Responses API body (`POST /v1/responses`) into the neutral request.

`input` is read by `items`. `instructions` becomes a system message; `text.format`, `tool_choice`, `reasoning` and
`max_output_tokens` become the neutral `OutputFormat`, `ToolChoice`, `reasoning_effort` and
`max_tokens`. What only this dialect renders (echoed fields, the stored-response bookkeeping) goes
into `ResponsesOptions`. History from `previous_response_id` is joined in by the dialect, which
owns the store.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fakellm.dialects.openai.request import optional_bool, optional_int, require_object
from fakellm.dialects.openai.semantics import invalid_value, typed_item
from fakellm.dialects.responses.ids import ResponseIds
from fakellm.dialects.responses.items import MAX_INPUT_ITEMS, parse_input, text_field
from fakellm.errors import missing, wrong_type
from fakellm.model import (
    ChatRequest,
    DialectOptions,
    Message,
    OutputFormat,
    Tool,
    ToolChoice,
)

# Tool types the API accepts besides `function`: echoed back, never called (see docs/wire/responses.md).
BUILTIN_TOOLS = (
    "file_search",
    "web_search",
    "web_search_preview",
    "web_search_2025_08_26",
    "web_search_preview_2025_03_11",
    "computer_use_preview",
    "code_interpreter",
    "image_generation",
    "local_shell",
    "mcp",
    "custom",
    "shell",
    "apply_patch",
)
TOOL_TYPES = ("function", *BUILTIN_TOOLS)
EFFORTS = ("none", "minimal", "low", "medium", "high", "xhigh")
SUMMARIES = ("auto", "concise", "detailed")


@dataclass(frozen=True, slots=True)
class ResponsesOptions(DialectOptions):
    """What the response object echoes, and what the store needs, as the client sent it."""

    instructions: str | None = None
    previous_response_id: str | None = None
    store: bool = True
    background: bool = False
    reasoning_summary: str | None = None
    encrypted_reasoning: bool = False  # `include: ["reasoning.encrypted_content"]`
    obfuscation: bool = True  # `stream_options.include_obfuscation`
    text_format: dict[str, Any] = field(default_factory=lambda: {"type": "text"})
    tool_choice: Any = "auto"
    tools: tuple[dict[str, Any], ...] = ()
    max_output_tokens: int | None = None
    temperature: float = 1.0
    top_p: float = 1.0
    metadata: dict[str, Any] = field(default_factory=dict)
    # This request's own input items (with ids), and the conversation so far without instructions.
    input_items: tuple[dict[str, Any], ...] = ()
    history: tuple[Message, ...] = ()
    ids: ResponseIds | None = None  # this response's ids, drawn when the request arrived


def parse_tools(value: Any) -> tuple[list[Tool], tuple[dict[str, Any], ...]]:
    """The function tools (neutral), and every tool as the response echoes it."""
    if value is None:
        return [], ()
    if not isinstance(value, list):
        raise wrong_type("tools", "an array", value)
    tools: list[Tool] = []
    echoed: list[dict[str, Any]] = []
    for i, item in enumerate(value[:MAX_INPUT_ITEMS]):
        at = f"tools[{i}]"
        item, kind = typed_item(item, at, TOOL_TYPES)
        if kind != "function":
            echoed.append(dict(item))
            continue
        name = text_field(item.get("name"), f"{at}.name")
        parameters = item.get("parameters") or {}
        if not isinstance(parameters, dict):
            raise wrong_type(f"{at}.parameters", "an object", parameters)
        description = item.get("description")
        tools.append(Tool(name=name, description=description or "", parameters=parameters))
        strict = item.get("strict")
        echoed.append({"type": "function", "description": description, "name": name, "parameters": parameters,
                       "strict": True if strict is None else bool(strict)})  # fmt: skip
    return tools, tuple(echoed)


def parse_tool_choice(value: Any) -> ToolChoice:
    if value is None or value == "auto":
        return ToolChoice()
    if value in ("none", "required"):
        return ToolChoice(mode=value)
    if isinstance(value, str):
        raise invalid_value("tool_choice", value, ("none", "auto", "required"))
    if not isinstance(value, dict):
        raise wrong_type("tool_choice", "one of a string or object", value)
    kind = value.get("type")
    if kind == "function":
        return ToolChoice(mode="named", names=(text_field(value.get("name"), "tool_choice.name"),))
    if kind == "allowed_tools":
        allowed = value.get("tools")
        if not isinstance(allowed, list):
            raise missing("tool_choice.tools")
        named = [t for t in allowed[:MAX_INPUT_ITEMS] if isinstance(t, dict) and isinstance(t.get("name"), str)]
        names = tuple(t["name"] for t in named)
        return ToolChoice(mode="required", names=names) if value.get("mode") == "required" else ToolChoice()
    if kind is None:
        raise missing("tool_choice.type")
    return ToolChoice()  # a built-in tool: fakellm never calls one, so the model answers as with `auto`


def parse_text_format(text: Any) -> tuple[OutputFormat, dict[str, Any]]:
    """`text.format` as the neutral output format, and as the response echoes it."""
    if text is None:
        return OutputFormat(), {"type": "text"}
    if not isinstance(text, dict):
        raise wrong_type("text", "an object", text)
    fmt = text.get("format")
    if fmt is None:
        return OutputFormat(), {"type": "text"}
    if not isinstance(fmt, dict):
        raise wrong_type("text.format", "an object", fmt)
    kind = fmt.get("type")
    if kind == "text":
        return OutputFormat(), {"type": "text"}
    if kind == "json_object":
        return OutputFormat(kind="json_object"), {"type": "json_object"}
    if kind != "json_schema":
        if kind is None:
            raise missing("text.format.type")
        raise invalid_value("text.format.type", kind, ("text", "json_object", "json_schema"))
    name = text_field(fmt.get("name"), "text.format.name")
    schema = fmt.get("schema")
    if schema is None:
        raise missing("text.format.schema")
    if not isinstance(schema, dict):
        raise wrong_type("text.format.schema", "an object", schema)
    strict = optional_bool(fmt, "strict", "text.format.strict")
    echoed = {"type": "json_schema", "description": fmt.get("description"), "name": name, "schema": schema,
              "strict": strict}  # fmt: skip
    return OutputFormat(kind="json_schema", schema=schema, name=name, strict=strict), echoed


def _reasoning(value: Any) -> tuple[str | None, str | None]:
    if value is None:
        return None, None
    if not isinstance(value, dict):
        raise wrong_type("reasoning", "an object", value)
    effort, summary = value.get("effort"), value.get("summary", value.get("generate_summary"))
    if effort is not None and effort not in EFFORTS:
        raise invalid_value("reasoning.effort", effort, EFFORTS)
    if summary is not None and summary not in SUMMARIES:
        raise invalid_value("reasoning.summary", summary, SUMMARIES)
    return effort, summary


def _number(body: dict[str, Any], key: str, default: float) -> float:
    value = body.get(key)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise wrong_type(key, "a number", value)
    return float(value)


def parse_responses_body(body: Any, dialect: str, ids: ResponseIds) -> ChatRequest:
    """Validate a Responses body; `ids` makes the ids of input items sent without one."""
    data = require_object(body)
    model = data.get("model")
    if model is None:
        raise missing("model")
    if not isinstance(model, str):
        raise wrong_type("model", "a string", model)
    if "input" not in data and data.get("previous_response_id") is None:
        raise missing("input")
    messages, items = parse_input(data.get("input", []), ids)
    instructions = data.get("instructions")
    if instructions is not None and not isinstance(instructions, str):
        raise wrong_type("instructions", "a string", instructions)
    previous = data.get("previous_response_id")
    if previous is not None and not isinstance(previous, str):
        raise wrong_type("previous_response_id", "a string", previous)
    tools, echoed_tools = parse_tools(data.get("tools"))
    output, text_format = parse_text_format(data.get("text"))
    effort, summary = _reasoning(data.get("reasoning"))
    include = data.get("include") or []
    if not isinstance(include, list):
        raise wrong_type("include", "an array", include)
    metadata = data.get("metadata") or {}
    if not isinstance(metadata, dict):
        raise wrong_type("metadata", "an object", metadata)
    stream = optional_bool(data, "stream")
    stream_options = data.get("stream_options")
    obfuscation = not (isinstance(stream_options, dict) and stream_options.get("include_obfuscation") is False)
    max_output_tokens = optional_int(data, "max_output_tokens", 16)
    top_logprobs = optional_int(data, "top_logprobs", 0, 20) or 0
    options = ResponsesOptions(
        instructions=instructions,
        previous_response_id=previous,
        store=data.get("store") is not False,
        background=data.get("background") is True,
        reasoning_summary=summary,
        encrypted_reasoning="reasoning.encrypted_content" in include,
        obfuscation=obfuscation,
        text_format=text_format,
        tool_choice=data.get("tool_choice", "auto"),
        tools=echoed_tools,
        max_output_tokens=max_output_tokens,
        temperature=_number(data, "temperature", 1.0),
        top_p=_number(data, "top_p", 1.0),
        metadata=metadata,
        input_items=tuple(items),
        history=tuple(messages),
        ids=ids,
    )
    parallel = data.get("parallel_tool_calls")
    return ChatRequest(
        dialect=dialect,
        model=model,
        messages=messages,
        tools=tools,
        tool_choice=parse_tool_choice(data.get("tool_choice")),
        parallel_tool_calls=parallel is not False,
        output=output,
        stream=stream,
        include_usage=stream,
        max_tokens=max_output_tokens,
        reasoning_effort=effort,
        logprobs="message.output_text.logprobs" in include,
        top_logprobs=top_logprobs,
        extras={k: v for k, v in data.items() if k not in KNOWN_FIELDS},
        options=options,
    )


KNOWN_FIELDS = frozenset(
    {"model", "input", "instructions", "previous_response_id", "tools", "tool_choice", "text", "reasoning",
     "include", "metadata", "stream", "stream_options", "max_output_tokens", "store", "background",
     "temperature", "top_p", "parallel_tool_calls", "top_logprobs"}
)  # fmt: skip
