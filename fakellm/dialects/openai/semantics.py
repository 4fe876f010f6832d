"""What an OpenAI-style request asks of the answer, parsed into the neutral request.

`tool_choice` (`none`/`auto`/`required`, a named function, `allowed_tools`), `parallel_tool_calls`,
`response_format` (text, `json_object`, `json_schema` with `strict`), `stop`, `logprobs` and
`top_logprobs`, `reasoning_effort` and `seed`, each validated in OpenAI's wording. What one provider
accepts differs (Groq has no logprobs, its own efforts; Gemini's route up to five stop sequences): a
`Rules` says so for each dialect.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, TypeVar

from fakellm.dialects.openai.strict import check_strict_schema
from fakellm.errors import ApiError, bad_request, missing, wrong_type
from fakellm.model import ChatRequest, OutputFormat, Tool, ToolChoice

FIELDS = frozenset(
    {
        "tool_choice",
        "parallel_tool_calls",
        "response_format",
        "stop",
        "logprobs",
        "top_logprobs",
        "reasoning_effort",
        "seed",
    }
)
TOOL_CHOICE_MODES = ("none", "auto", "required")
FORMAT_TYPES = ("text", "json_object", "json_schema")
OPENAI_EFFORTS = ("none", "minimal", "low", "medium", "high", "xhigh", "max")
MAX_TOP_LOGPROBS = 20
_SCHEMA_NAME = re.compile(r"[a-zA-Z0-9_-]{1,64}")


@dataclass(frozen=True, slots=True)
class Rules:
    """What one OpenAI-style provider accepts of these fields."""

    reasoning_efforts: tuple[str, ...] = OPENAI_EFFORTS
    logprobs: bool = True  # False: `logprobs: true` is refused (Groq)
    max_stop: int = 4
    strict_schemas: bool = True  # a strict `json_schema` must keep OpenAI's strict-mode rules
    json_word: bool = True  # `json_object` needs the word "json" somewhere in the messages
    # `tools: []`, and `tool_choice` or `parallel_tool_calls` without tools, are accepted (OpenAI refuses them)
    lenient_tools: bool = False


OPENAI_RULES = Rules()


def invalid_value(param: str, value: object, allowed: tuple[str, ...]) -> ApiError:
    options = ", ".join(f"'{a}'" for a in allowed[:-1]) + f", and '{allowed[-1]}'"
    return bad_request(f"Invalid value: '{value}'. Supported values are: {options}.", param=param, code="invalid_value")


Kind = TypeVar("Kind", bound=str)


def typed_item(item: Any, at: str, allowed: tuple[Kind, ...], key: str = "type") -> tuple[dict[str, Any], Kind]:
    """`item` as an object whose `key` (its `type`: a content part, a tool, an input item; a message's
    `role`) is one of `allowed`, or OpenAI's 400 naming `at`."""
    if not isinstance(item, dict):
        raise wrong_type(at, "an object", item)
    kind = item.get(key)
    if kind is None:
        raise missing(f"{at}.{key}")
    if kind not in allowed:
        raise invalid_value(f"{at}.{key}", kind, allowed)
    return item, kind


def _only_with_tools(param: str) -> ApiError:
    return bad_request(
        f"Invalid value for '{param}': '{param}' is only allowed when 'tools' are specified.", param=param
    )


def _no_such_function(name: str) -> ApiError:
    return bad_request(
        f"Invalid value for 'tool_choice': no function named '{name}' was specified in the 'tools' parameter.",
        param="tool_choice",
    )


def _named(value: dict[str, Any], where: str, kind: str) -> str:
    inner = value.get(kind)
    if not isinstance(inner, dict):
        raise missing(f"{where}.{kind}")
    name = inner.get("name")
    if name is None:
        raise missing(f"{where}.{kind}.name")
    if not isinstance(name, str):
        raise wrong_type(f"{where}.{kind}.name", "a string", name)
    return name


def parse_tool_choice(value: Any, tools: list[Tool], rules: Rules = OPENAI_RULES) -> ToolChoice:
    if value is None:
        return ToolChoice()
    if not tools and not rules.lenient_tools:
        raise _only_with_tools("tool_choice")
    offered = {tool.name for tool in tools}
    if isinstance(value, str):
        if value not in TOOL_CHOICE_MODES:
            raise invalid_value("tool_choice", value, TOOL_CHOICE_MODES)
        return ToolChoice(value)  # type: ignore[arg-type]  # one of the three modes, checked above
    if not isinstance(value, dict):
        raise wrong_type("tool_choice", "one of a string or object", value)
    kind = value.get("type")
    if kind is None:
        raise missing("tool_choice.type")
    if kind in ("function", "custom"):
        name = _named(value, "tool_choice", kind)
        if name not in offered:
            raise _no_such_function(name)
        return ToolChoice("named", (name,))
    if kind != "allowed_tools":
        raise invalid_value("tool_choice.type", kind, ("function", "custom", "allowed_tools"))
    allowed = value.get("allowed_tools")
    if not isinstance(allowed, dict):
        raise missing("tool_choice.allowed_tools")
    mode = allowed.get("mode")
    if mode not in ("auto", "required"):
        raise invalid_value("tool_choice.allowed_tools.mode", mode, ("auto", "required"))
    listed = allowed.get("tools")
    if not isinstance(listed, list):
        raise missing("tool_choice.allowed_tools.tools")
    names: list[str] = []
    for i, item in enumerate(listed):
        where = f"tool_choice.allowed_tools.tools[{i}]"
        if not isinstance(item, dict):
            raise wrong_type(where, "an object", item)
        name = _named(item, where, "custom" if item.get("type") == "custom" else "function")
        if name not in offered:
            raise _no_such_function(name)
        if name not in names:
            names.append(name)
    return ToolChoice(mode, tuple(names))


def _mentions_json(request: ChatRequest) -> bool:
    return any("json" in message.text.lower() for message in request.messages)


def parse_response_format(value: Any, request: ChatRequest, rules: Rules) -> OutputFormat:
    if value is None:
        return OutputFormat()
    if not isinstance(value, dict):
        raise wrong_type("response_format", "an object", value)
    kind = value.get("type")
    if kind is None:
        raise missing("response_format.type")
    if kind not in FORMAT_TYPES:
        raise invalid_value("response_format.type", kind, FORMAT_TYPES)
    if kind == "text":
        return OutputFormat()
    if kind == "json_object":
        if rules.json_word and not _mentions_json(request):
            raise bad_request(
                "'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.",
                param="messages",
            )
        return OutputFormat("json_object")
    spec = value.get("json_schema")
    if spec is None:
        raise missing("response_format.json_schema")
    if not isinstance(spec, dict):
        raise wrong_type("response_format.json_schema", "an object", spec)
    name = spec.get("name")
    if name is None:
        raise missing("response_format.json_schema.name")
    if not isinstance(name, str):
        raise wrong_type("response_format.json_schema.name", "a string", name)
    if not _SCHEMA_NAME.fullmatch(name):
        raise bad_request(
            "Invalid 'response_format.json_schema.name': string does not match pattern. Expected a string that "
            "matches the pattern '^[a-zA-Z0-9_-]+$'.",
            param="response_format.json_schema.name",
            code="invalid_value",
        )
    schema = spec.get("schema")
    if schema is not None and not isinstance(schema, dict):
        raise wrong_type("response_format.json_schema.schema", "an object", schema)
    strict = spec.get("strict")
    if strict is not None and not isinstance(strict, bool):
        raise wrong_type("response_format.json_schema.strict", "a boolean", strict)
    if strict and rules.strict_schemas:
        check_strict_schema(schema or {}, name)
    return OutputFormat("json_schema", schema or {}, name, bool(strict))


def parse_stop(value: Any, rules: Rules) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list) or not all(isinstance(s, str) for s in value):
        raise wrong_type("stop", "one of a string or array of strings", value)
    if len(value) > rules.max_stop:
        raise bad_request(
            f"Invalid 'stop': array too long. Expected an array with maximum length {rules.max_stop}, but got an "
            f"array with length {len(value)} instead.",
            param="stop",
            code="array_above_max_length",
        )
    return tuple(value)


def _top_logprobs(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise wrong_type("top_logprobs", "an integer", value)
    if value < 0:
        raise bad_request(
            f"Invalid 'top_logprobs': integer below minimum value. Expected a value >= 0, but got {value} instead.",
            param="top_logprobs",
            code="integer_below_min_value",
        )
    if value > MAX_TOP_LOGPROBS:
        raise bad_request(
            f"Invalid 'top_logprobs': integer above maximum value. Expected a value <= {MAX_TOP_LOGPROBS}, but got "
            f"{value} instead.",
            param="top_logprobs",
            code="integer_above_max_value",
        )
    return value


def apply_semantics(data: dict[str, Any], request: ChatRequest, rules: Rules = OPENAI_RULES) -> None:
    """Read the fields of `FIELDS` from the body `data` into `request` (its messages and tools parsed)."""
    if data.get("tools") == [] and not rules.lenient_tools:
        raise bad_request(
            "Invalid 'tools': empty array. Expected an array with minimum length 1, but got an empty array instead.",
            param="tools",
            code="empty_array",
        )
    request.tool_choice = parse_tool_choice(data.get("tool_choice"), request.tools, rules)
    parallel = data.get("parallel_tool_calls")
    if parallel is not None:
        if not isinstance(parallel, bool):
            raise wrong_type("parallel_tool_calls", "a boolean", parallel)
        if not request.tools and not rules.lenient_tools:
            raise _only_with_tools("parallel_tool_calls")
        request.parallel_tool_calls = parallel
    request.output = parse_response_format(data.get("response_format"), request, rules)
    request.stop = parse_stop(data.get("stop"), rules)
    logprobs = data.get("logprobs")
    if logprobs is not None and not isinstance(logprobs, bool):
        raise wrong_type("logprobs", "a boolean", logprobs)
    if logprobs and not rules.logprobs:
        raise bad_request("`logprobs` is not supported with this model", param="logprobs")
    top = _top_logprobs(data.get("top_logprobs"))
    if top is not None and not logprobs:
        raise bad_request(
            "Invalid value for 'top_logprobs': 'logprobs' must be set to true when 'top_logprobs' is used.",
            param="top_logprobs",
        )
    request.logprobs = bool(logprobs)
    request.top_logprobs = top or 0
    effort = data.get("reasoning_effort")
    if effort is not None and effort not in rules.reasoning_efforts:
        raise invalid_value("reasoning_effort", effort, rules.reasoning_efforts)
    request.reasoning_effort = effort
    seed = data.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise wrong_type("seed", "an integer", seed)
    request.seed = seed
