"""The body of `POST /v1/messages` (and of `/v1/messages/count_tokens`) into the neutral `ChatRequest`.

Checked as the API checks it, in its wording (`max_tokens: Field required`, `<field>: Extra inputs
are not permitted`…): `model`, `max_tokens` (not for counting), `messages`, `system`, `tools`
(custom tools become neutral tools; server tools such as `web_search_20250305` are accepted and
left to the server), `tool_choice` (`auto`, `any` → required, `tool` → named, `none`;
`disable_parallel_tool_use`), `thinking` (`enabled` with a `budget_tokens` of at least 1024 and
under `max_tokens`, `adaptive`, `disabled`), `stop_sequences`, `output_config` (`effort`, a JSON
schema `format`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from fakellm.dialects.anthropic.content import parse_messages, require_dict, require_str, text_blocks
from fakellm.dialects.anthropic.errors import invalid
from fakellm.model import ChatRequest, DialectOptions, Message, OutputFormat, TextPart, Tool, ToolChoice

THINKING_TYPES = ("enabled", "adaptive", "disabled", "between_tools")
EFFORTS = ("low", "medium", "high", "xhigh", "max")
MIN_BUDGET = 1024
MAX_STOP_SEQUENCES = 8191  # far above what anyone sends; bounds the work a request can ask for
VERSION = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
COMMON_FIELDS = frozenset(
    {
        "model",
        "messages",
        "system",
        "tools",
        "tool_choice",
        "thinking",
        "output_config",
        "output_format",
        "cache_control",
        "context_management",
        "mcp_servers",
        "speed",
        "user_profile_id",
        "workspace_id",
    }
)
CREATE_FIELDS = COMMON_FIELDS | {
    "max_tokens",
    "stream",
    "stop_sequences",
    "temperature",
    "top_p",
    "top_k",
    "metadata",
    "service_tier",
    "container",
    "inference_geo",
    "diagnostics",
}
CONSUMED = frozenset(
    {"model", "messages", "system", "tools", "tool_choice", "thinking", "output_config", "max_tokens", "stream"}
    | {"stop_sequences"}
)


@dataclass(frozen=True, slots=True)
class AnthropicOptions(DialectOptions):
    """How the answer shows its thinking: `thinking` is `enabled`, `adaptive` or `disabled`
    (`between_tools` counts as adaptive); `display` `omitted` sends thinking blocks with empty text."""

    thinking: str = "disabled"
    budget_tokens: int | None = None
    display: str = "summarized"


def check_version(headers: dict[str, str]) -> None:
    version = headers.get("anthropic-version")
    if not version:
        raise invalid("anthropic-version: header is required")
    if not VERSION.match(version.strip()):
        raise invalid(f"anthropic-version: {version!r} is not a valid version (expected a date such as 2023-06-01)")


def integer(body: dict[str, Any], key: str, minimum: int) -> int:
    value = body[key]
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid(f"{key}: Input should be a valid integer", key)
    if value < minimum:
        raise invalid(f"{key}: Input should be greater than or equal to {minimum}", key)
    return value


def parse_tools(value: Any) -> list[Tool]:
    if not isinstance(value, list):
        raise invalid("tools: Input should be a valid list", "tools")
    tools: list[Tool] = []
    for i, item in enumerate(value):
        tool = require_dict(item, f"tools.{i}")
        kind = tool.get("type")
        if kind not in (None, "custom"):  # a server tool (web search, code execution…): the server runs it
            if not isinstance(kind, str):
                raise invalid(f"tools.{i}.type: Input should be a valid string")
            continue
        name = require_str(tool, "name", f"tools.{i}.custom")
        if not name:
            raise invalid(f"tools.{i}.custom.name: String should have at least 1 character")
        schema = tool.get("input_schema")
        if schema is None:
            raise invalid(f"tools.{i}.custom.input_schema: Field required")
        schema = require_dict(schema, f"tools.{i}.custom.input_schema")
        description = tool.get("description")
        tools.append(Tool(name, description if isinstance(description, str) else "", schema))
    return tools


def parse_tool_choice(value: Any) -> tuple[ToolChoice, bool]:
    """The neutral tool choice, and whether parallel tool calls are allowed."""
    choice = require_dict(value, "tool_choice")
    kind = choice.get("type")
    parallel = choice.get("disable_parallel_tool_use") is not True
    if kind == "auto":
        return ToolChoice("auto"), parallel
    if kind == "any":
        return ToolChoice("required"), parallel
    if kind == "none":
        return ToolChoice("none"), True
    if kind == "tool":
        name = require_str(choice, "name", "tool_choice.tool")
        return ToolChoice("named", (name,)), parallel
    if kind is None:
        raise invalid("tool_choice.type: Field required")
    raise invalid(
        f"tool_choice: Input tag '{kind}' found using 'type' does not match any of the expected tags: "
        "'auto', 'any', 'tool', 'none'"
    )


def parse_thinking(value: Any, max_tokens: int | None) -> AnthropicOptions:
    thinking = require_dict(value, "thinking")
    kind = thinking.get("type")
    if kind not in THINKING_TYPES:
        if kind is None:
            raise invalid("thinking.type: Field required")
        tags = ", ".join(f"'{t}'" for t in THINKING_TYPES)
        raise invalid(
            f"thinking: Input tag '{kind}' found using 'type' does not match any of the expected tags: " + tags
        )
    display = thinking.get("display") or "summarized"
    if display not in ("summarized", "omitted"):
        raise invalid(f"thinking.{kind}.display: Input should be 'summarized' or 'omitted'")
    if kind != "enabled":
        return AnthropicOptions("adaptive" if kind == "between_tools" else str(kind), None, str(display))
    if "budget_tokens" not in thinking:
        raise invalid("thinking.enabled.budget_tokens: Field required")
    budget = thinking["budget_tokens"]
    if isinstance(budget, bool) or not isinstance(budget, int):
        raise invalid("thinking.enabled.budget_tokens: Input should be a valid integer")
    if budget < MIN_BUDGET:
        raise invalid(f"thinking.enabled.budget_tokens: Input should be greater than or equal to {MIN_BUDGET}")
    if max_tokens is not None and max_tokens <= budget:
        raise invalid("`max_tokens` must be greater than `thinking.budget_tokens`.")
    return AnthropicOptions("enabled", budget, str(display))


def parse_stop(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or len(value) > MAX_STOP_SEQUENCES:
        raise invalid("stop_sequences: Input should be a valid list", "stop_sequences")
    for i, item in enumerate(value):
        if not isinstance(item, str):
            raise invalid(f"stop_sequences.{i}: Input should be a valid string", "stop_sequences")
    return tuple(value)


def parse_output(value: Any) -> tuple[OutputFormat, str | None]:
    config = require_dict(value, "output_config")
    effort = config.get("effort")
    if effort is not None and effort not in EFFORTS:
        raise invalid("output_config.effort: Input should be 'low', 'medium', 'high', 'xhigh' or 'max'")
    fmt = config.get("format")
    if fmt is None:
        return OutputFormat(), effort
    fmt = require_dict(fmt, "output_config.format")
    if fmt.get("type") != "json_schema":
        raise invalid("output_config.format.type: Input should be 'json_schema'")
    schema = require_dict(fmt.get("schema"), "output_config.format.schema")
    return OutputFormat("json_schema", schema, strict=True), effort


def parse_messages_body(body: Any, *, counting: bool = False) -> ChatRequest:
    """`counting`: the body of `count_tokens`, which has no `max_tokens` and never streams."""
    if not isinstance(body, dict):
        raise invalid("body: Input should be a valid dictionary")
    allowed = COMMON_FIELDS if counting else CREATE_FIELDS
    for key in body:
        if key not in allowed:
            raise invalid(f"{key}: Extra inputs are not permitted", key)
    model = body.get("model")
    if model is None:
        raise invalid("model: Field required", "model")
    if not isinstance(model, str):
        raise invalid("model: Input should be a valid string", "model")
    max_tokens = None
    if not counting:
        if "max_tokens" not in body:
            raise invalid("max_tokens: Field required", "max_tokens")
        max_tokens = integer(body, "max_tokens", 1)
    options = AnthropicOptions()
    if body.get("thinking") is not None:
        options = parse_thinking(body["thinking"], max_tokens)
    temperature = body.get("temperature")
    if options.thinking == "enabled" and temperature is not None and temperature != 1:
        raise invalid("`temperature` may only be set to 1 when thinking is enabled.", "temperature")
    messages = parse_messages(body.get("messages"), manual_thinking=options.thinking == "enabled")
    if body.get("system") is not None:
        messages.insert(0, Message("system", [TextPart(text_blocks(body["system"], "system"))]))
    tools = parse_tools(body["tools"]) if body.get("tools") is not None else []
    tool_choice, parallel = ToolChoice(), True
    if body.get("tool_choice") is not None:
        tool_choice, parallel = parse_tool_choice(body["tool_choice"])
        if options.thinking == "enabled" and tool_choice.mode in ("required", "named"):
            raise invalid("Thinking may not be enabled when tool_choice forces tool use.")
    stream = body.get("stream", False)
    if not isinstance(stream, bool):
        raise invalid("stream: Input should be a valid boolean", "stream")
    stop = parse_stop(body["stop_sequences"]) if body.get("stop_sequences") is not None else ()
    output, effort = OutputFormat(), None
    if body.get("output_config") is not None:
        output, effort = parse_output(body["output_config"])
    return ChatRequest(
        dialect="anthropic",
        model=model,
        messages=messages,
        tools=tools,
        tool_choice=tool_choice,
        parallel_tool_calls=parallel,
        output=output,
        stream=stream,
        include_usage=True,
        max_tokens=max_tokens,
        stop=stop,
        reasoning_effort=effort,
        extras={k: v for k, v in body.items() if k not in CONSUMED},
        options=options,
    )


def parse_request(body: Any, headers: dict[str, str], *, counting: bool = False) -> ChatRequest:
    """The request, after the `anthropic-version` header every route requires."""
    check_version(headers)
    return parse_messages_body(body, counting=counting)
