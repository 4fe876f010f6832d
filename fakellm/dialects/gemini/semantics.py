"""What a Gemini `generateContent` body asks of the answer, parsed into the neutral request.

`toolConfig.functionCallingConfig` (`AUTO`, `ANY` with `allowedFunctionNames`, `NONE`, `VALIDATED`)
becomes the tool choice; from `generationConfig`: `responseMimeType` with `responseSchema` (converted
to JSON Schema) or `responseJsonSchema` becomes the output format, and `stopSequences`,
`responseLogprobs`/`logprobs`, `seed`, `maxOutputTokens` and `thinkingConfig` (`thinkingBudget: 0`
is reasoning effort `none`; a `thinkingLevel` is that level) their neutral twins. Errors in Google's
wording, at Google's field paths.
"""

from __future__ import annotations

from typing import Any

from fakellm.dialects.gemini.request import field, invalid, invalid_value, require_dict
from fakellm.dialects.gemini.schema import to_json_schema
from fakellm.model import ChatRequest, OutputFormat, ToolChoice

MODES = ("MODE_UNSPECIFIED", "AUTO", "ANY", "NONE", "VALIDATED")
MIME_TYPES = ("text/plain", "application/json", "application/xml", "application/yaml", "text/x.enum")
THINKING_LEVELS = ("THINKING_LEVEL_UNSPECIFIED", "MINIMAL", "LOW", "MEDIUM", "HIGH", "XHIGH")
MAX_STOP_SEQUENCES = 5
MAX_LOGPROBS = 20
_PROTO = "type.googleapis.com/google.ai.generativelanguage.v1beta"


def _request_path(path: str, what: str) -> str:
    return f"* GenerateContentRequest.{path}: {what}\n"


def parse_tool_config(body: dict[str, Any], request: ChatRequest) -> None:
    config = field(body, "toolConfig")
    if config is None:
        return
    config = require_dict(config, "tool_config", f"{_PROTO}.ToolConfig")
    calling = field(config, "functionCallingConfig")
    if calling is None:
        return
    at = "tool_config.function_calling_config"
    calling = require_dict(calling, at, f"{_PROTO}.FunctionCallingConfig")
    mode = calling.get("mode") or "AUTO"
    if mode not in MODES:
        raise invalid_value(f"{at}.mode", f"{_PROTO}.FunctionCallingConfig.Mode", mode)
    names = field(calling, "allowedFunctionNames") or []
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise invalid_value(f"{at}.allowed_function_names", "TYPE_STRING", names)
    declared = {tool.name for tool in request.tools}
    if mode == "ANY" and not declared:
        raise invalid("Function calling config is set without function_declarations.", at)
    for i, name in enumerate(names):
        if name not in declared:
            raise invalid(
                _request_path(
                    f"{at}.allowed_function_names[{i}]",
                    f"allowed function name '{name}' is not among the function declarations.",
                ),
                f"{at}.allowed_function_names",
            )
    if mode == "NONE":
        request.tool_choice = ToolChoice("none")
    elif mode == "ANY":
        request.tool_choice = ToolChoice("required", tuple(dict.fromkeys(names)))
    elif mode == "VALIDATED":
        request.tool_choice = ToolChoice("auto", tuple(dict.fromkeys(names)))


def _output(config: dict[str, Any]) -> OutputFormat:
    mime = field(config, "responseMimeType")
    if mime is not None and mime not in MIME_TYPES:
        raise invalid(
            _request_path(
                "generation_config.response_mime_type",
                "allowed mimetypes are `text/plain`, `application/json`, `application/xml`, `application/yaml` "
                "and `text/x.enum`.",
            ),
            "generation_config.response_mime_type",
        )
    schema = field(config, "responseSchema")
    json_schema = field(config, "responseJsonSchema")
    if json_schema is None:
        json_schema = config.get("_responseJsonSchema")
    if schema is not None:
        require_dict(schema, "generation_config.response_schema", f"{_PROTO}.Schema")
        json_schema = to_json_schema(schema, "generation_config.response_schema")
    if json_schema is not None and mime not in ("application/json", "text/x.enum"):
        raise invalid(
            _request_path(
                "generation_config.response_mime_type",
                "When using response_schema, response_mime_type must be application/json or text/x.enum.",
            ),
            "generation_config.response_mime_type",
        )
    if mime != "application/json":
        return OutputFormat()
    if not isinstance(json_schema, dict):
        return OutputFormat("json_object")
    return OutputFormat("json_schema", json_schema, str(json_schema.get("title") or ""))


def _stop(config: dict[str, Any]) -> tuple[str, ...]:
    stops = field(config, "stopSequences")
    if stops is None:
        return ()
    if not isinstance(stops, list) or not all(isinstance(s, str) for s in stops):
        raise invalid_value("generation_config.stop_sequences", "TYPE_STRING", stops)
    if len(stops) > MAX_STOP_SEQUENCES:
        raise invalid(
            _request_path(
                "generation_config.stop_sequences",
                f"the number of stop_sequences must not exceed {MAX_STOP_SEQUENCES}.",
            ),
            "generation_config.stop_sequences",
        )
    return tuple(stops)


def _effort(thinking: dict[str, Any]) -> str | None:
    level = field(thinking, "thinkingLevel")
    if level is not None:
        shown = level.upper() if isinstance(level, str) else level
        if shown not in THINKING_LEVELS:
            raise invalid_value(
                "generation_config.thinking_config.thinking_level", f"{_PROTO}.ThinkingConfig.ThinkingLevel", level
            )
        return None if shown == "THINKING_LEVEL_UNSPECIFIED" else str(shown).lower()
    budget = field(thinking, "thinkingBudget")
    if budget is not None and (isinstance(budget, bool) or not isinstance(budget, int)):
        raise invalid_value("generation_config.thinking_config.thinking_budget", "TYPE_INT32", budget)
    return "none" if budget == 0 else None


def apply_semantics(body: dict[str, Any], request: ChatRequest) -> None:
    """Read what the body (already parsed into `request`) asks of the answer into `request`."""
    parse_tool_config(body, request)
    config = field(body, "generationConfig") or {}
    thinking = field(config, "thinkingConfig") or {}
    request.output = _output(config)
    request.stop = _stop(config)
    wanted = field(config, "responseLogprobs")
    if wanted is not None and not isinstance(wanted, bool):
        raise invalid_value("generation_config.response_logprobs", "TYPE_BOOL", wanted)
    top = field(config, "logprobs")
    if top is not None:
        if isinstance(top, bool) or not isinstance(top, int):
            raise invalid_value("generation_config.logprobs", "TYPE_INT32", top)
        if not 0 <= top <= MAX_LOGPROBS:
            raise invalid(
                _request_path("generation_config.logprobs", f"logprobs must be in the range [0, {MAX_LOGPROBS}]."),
                "generation_config.logprobs",
            )
    request.logprobs = bool(wanted)
    request.top_logprobs = (top or 0) if wanted else 0
    seed = field(config, "seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise invalid_value("generation_config.seed", "TYPE_INT32", seed)
    request.seed = seed
    request.reasoning_effort = _effort(thinking)
