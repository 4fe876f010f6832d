"""Groq's chat-completions dialect: `/openai/v1/chat/completions` (Groq's base URL is `…/openai/v1`).

OpenAI's schema and framing, with Groq's differences, set in its `Policy`: an `x_groq` object
(the request id on the first chunk, timed usage on the last), the finish reason and usage
together on the final chunk, tool calls delivered whole in one delta, no `refusal` or
`annotations`, and reasoning shown as `reasoning_format` asks (`parsed`, `raw` or `hidden`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from fakellm.context import RequestContext
from fakellm.dialects.base import ErrorResponse, RouteSpec
from fakellm.dialects.catalogue import Family
from fakellm.dialects.openai.encoding import GO
from fakellm.dialects.openai.errors import error_code, model_not_found, try_again_in
from fakellm.dialects.openai.errors import error_type as openai_error_type
from fakellm.dialects.openai.family import OpenAIFamilyDialect, model_path
from fakellm.dialects.openai.policy import DROPPED, Policy, Reasoning
from fakellm.dialects.openai.request import optional_bool, parse_chat_body, require_object
from fakellm.dialects.openai.semantics import Rules, invalid_value
from fakellm.errors import ApiError, ErrorKind, bad_request
from fakellm.frames import StreamPlan, StreamScript
from fakellm.ids import DIGITS, IdSource
from fakellm.model import ChatRequest, DialectOptions, Reply, Usage

REASONING_FORMATS = ("hidden", "raw", "parsed")
REASONING_EFFORTS = ("none", "default", "low", "medium", "high")
# Without `reasoning_format` or `include_reasoning`, Groq's reasoning models inline their thinking.
DEFAULT_REASONING_FORMAT = "raw"
FINGERPRINT = "fp_c0ffee0d1e"  # `fp_` and ten hex digits, as Groq's
SSE_MEDIA_TYPE = "text/event-stream"  # no charset
# Groq's request ids are ULIDs, lower-cased: `req_01` and Crockford base-32.
CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz"
# What each role's message may carry; anything else is refused, as Groq's validator does.
MESSAGE_FIELDS = {
    "system": frozenset({"role", "content", "name"}),
    "developer": frozenset({"role", "content", "name"}),
    "user": frozenset({"role", "content", "name"}),
    "assistant": frozenset({"role", "content", "name", "tool_calls", "function_call", "reasoning"}),
    "tool": frozenset({"role", "content", "tool_call_id", "name"}),
    "function": frozenset({"role", "content", "name"}),
}
# Groq's own rate-limit windows when no rate limit is configured: requests per day, tokens per minute.
RATE_LIMIT_HEADERS = {
    "x-ratelimit-limit-requests": "14400",
    "x-ratelimit-limit-tokens": "6000",
    "x-ratelimit-remaining-requests": "14399",
    "x-ratelimit-remaining-tokens": "5843",
    "x-ratelimit-reset-requests": "6s",
    "x-ratelimit-reset-tokens": "1.57s",
}
# Deterministic, plausible timings: seconds per prompt and per completion token.
PROMPT_SECONDS_PER_TOKEN = 0.00005
COMPLETION_SECONDS_PER_TOKEN = 0.002
QUEUE_TIME = 0.012345678
_STOCK_MESSAGES = {
    400: "The request is invalid.",
    403: "Forbidden.",
    404: "The requested resource was not found.",
    408: "The request timed out.",
    409: "The request conflicts with another request.",
    413: "Request Entity Too Large",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
    529: "The service is overloaded. Please try again later.",
}


def groq_usage(usage: Usage) -> dict[str, Any]:
    prompt_time = round(usage.prompt_tokens * PROMPT_SECONDS_PER_TOKEN, 9)
    completion_time = round(usage.completion_tokens * COMPLETION_SECONDS_PER_TOKEN, 9)
    body: dict[str, Any] = {
        "queue_time": QUEUE_TIME,
        "prompt_tokens": usage.prompt_tokens,
        "prompt_time": prompt_time,
        "completion_tokens": usage.completion_tokens,
        "completion_time": completion_time,
        "total_tokens": usage.total_tokens,
        "total_time": round(prompt_time + completion_time, 9),
    }
    if usage.reasoning_tokens:
        body["completion_tokens_details"] = {"reasoning_tokens": usage.reasoning_tokens}
    return body


@dataclass(frozen=True, slots=True)
class GroqOptions(DialectOptions):
    """How the reasoning shows (`reasoning_format`, or what `include_reasoning` means)."""

    reasoning_format: str = DEFAULT_REASONING_FORMAT


DEFAULT_OPTIONS = GroqOptions()
# `reasoning_format` as chunks show it: `raw` inlines the thinking into the text, `hidden` drops it.
REASONING = {
    "parsed": Reasoning(field="reasoning"),
    "raw": Reasoning(inline=("<think>\n", "\n</think>\n\n")),
    "hidden": DROPPED,
}
# gpt-oss streams its parsed reasoning on the analysis channel.
ANALYSIS = Reasoning(field="reasoning", beside={"channel": "analysis"})
RAW_WITH_TOOLS = "reasoning_format=raw is not supported with tools or JSON mode; use parsed or hidden instead."
CONSUMED = frozenset({"reasoning_format", "include_reasoning"})
# Groq has no logprobs ("not yet supported by any of our models"), its own efforts, and no OpenAI-style
# strict-schema or "json" word checks.
RULES = Rules(
    reasoning_efforts=REASONING_EFFORTS, logprobs=False, strict_schemas=False, json_word=False, lenient_tools=True
)


def groq_options(body: dict[str, Any], family: Family | None = None) -> GroqOptions:
    """The reasoning options of `body`; the model's `family` sets the default and what it refuses."""
    fmt = body.get("reasoning_format")
    if fmt is not None and fmt not in REASONING_FORMATS:
        raise invalid_value("reasoning_format", fmt, REASONING_FORMATS)
    include = body.get("include_reasoning")
    if include is not None:
        optional_bool(body, "include_reasoning")
        if fmt is not None:
            raise bad_request(
                "`include_reasoning` and `reasoning_format` are mutually exclusive; set only one of them.",
                param="include_reasoning",
            )
        fmt = "parsed" if include else "hidden"
    if family is not None and family.reasoning_default is not None:
        structured = bool(body.get("tools")) or _json_mode(body)
        if fmt == "raw" and structured and not family.raw_with_tools:
            raise bad_request(RAW_WITH_TOOLS, param="reasoning_format")
        if fmt is None:  # with tools or JSON mode the default is parsed
            fmt = "parsed" if structured else family.reasoning_default
    if fmt is None:
        return DEFAULT_OPTIONS
    return GroqOptions(fmt)


def _json_mode(body: dict[str, Any]) -> bool:
    response_format = body.get("response_format")
    return isinstance(response_format, dict) and response_format.get("type") in ("json_object", "json_schema")


def request_id(ids: IdSource) -> str:
    return ids.new("req_01", 24, CROCKFORD)


def unsupported_properties(body: dict[str, Any]) -> None:
    """Groq's 400 for a message carrying a property its role does not take (`reasoning_content`, `refusal`,
    `annotations`, `channel`…, often what an SDK's `model_dump()` of an earlier reply sends back)."""
    messages = body.get("messages")
    for i, message in enumerate(messages if isinstance(messages, list) else ()):
        if not isinstance(message, dict):
            continue
        role = message.get("role")
        allowed = MESSAGE_FIELDS.get(role) if isinstance(role, str) else None
        extra = [key for key in message if allowed is not None and key not in allowed]
        if extra:
            listed = ", ".join(f"('messages.{i}' : property '{key}' is unsupported)" for key in extra)
            raise ApiError(400, f"'messages.{i}' : for 'role:{role}' the following must be satisfied[{listed}]")


def _seed(ids: IdSource) -> int:
    return int(ids.token(9, DIGITS)) + 1


def _body_tail(ids: IdSource) -> dict[str, Any]:
    return {
        "usage_breakdown": None,
        "system_fingerprint": FINGERPRINT,
        "x_groq": {"id": request_id(ids), "seed": _seed(ids)},
        "service_tier": "on_demand",
    }


def _stream_values(ids: IdSource) -> dict[str, Any]:
    return {"request_id": request_id(ids), "seed": _seed(ids)}


def _first_fields(v: Mapping[str, Any]) -> dict[str, Any]:
    return {"x_groq": {"id": v["request_id"], "seed": v["seed"]}}


def _last_fields(v: Mapping[str, Any]) -> dict[str, Any]:
    return {"x_groq": {"id": v["request_id"], "usage": v["usage"]}}  # the usage itself follows


POLICY = Policy(
    encoder=GO,
    uuid_ids=True,
    fingerprint=FINGERPRINT,
    service_tier=None,
    omit_null_content=True,
    message_tail=(),
    role_refusal=False,
    role_content_null_for_tools=False,
    whole_tool_calls=True,
    stream_usage="always_on_last_chunk",  # on the last finish chunk: no separate `choices: []` chunk
    obfuscation=False,
    usage_object=groq_usage,
    body_tail=_body_tail,
    stream_values=_stream_values,
    first_fields=_first_fields,
    last_fields=_last_fields,
)


class GroqDialect(OpenAIFamilyDialect):
    name: ClassVar[str] = "groq"
    client_base_path: ClassVar[str] = ""  # the SDK adds its own path
    # LiteLLM's `groq/` provider wants the full OpenAI-compatible base as its `api_base`.
    other_base_paths: ClassVar[dict[str, str]] = {"litellm_groq": "/openai/v1"}
    routes: ClassVar[tuple[RouteSpec, ...]] = (
        RouteSpec("POST", "/openai/v1/chat/completions", "chat"),
        RouteSpec("GET", "/openai/v1/models", "models"),
        model_path("/openai/v1/models"),
        # Azure's v1 embeddings route (taken with an `api-key`); Groq has none and refuses it as unknown.
        RouteSpec("POST", "/openai/v1/embeddings", "unknown_url"),
    )
    error_prefixes: ClassVar[tuple[str, ...]] = ("/openai/",)
    policy: ClassVar[Policy] = POLICY

    def parse(self, body: Any, ctx: RequestContext) -> ChatRequest:
        request = parse_chat_body(body, self.name, consumed=CONSUMED, rules=RULES)
        unsupported_properties(body)
        family = self.family(request.model)
        request.options = groq_options(require_object(body), family)
        return request

    def response_headers(self, ctx: RequestContext) -> dict[str, str]:
        # A configured rate limit's headers (the fault stage's) replace the stock ones.
        return {"x-request-id": request_id(ctx.ids), "x-groq-region": "us-west-1", **RATE_LIMIT_HEADERS}

    def render_stream(self, request: ChatRequest, replies: list[Reply], model: str, ctx: RequestContext) -> StreamPlan:
        plan = super().render_stream(request, replies, model, ctx)
        plan.media_type = SSE_MEDIA_TYPE
        return plan

    def frame_stream(
        self, request: ChatRequest, replies: list[Reply], model: str, ctx: RequestContext, script: StreamScript
    ) -> StreamPlan:
        plan = super().frame_stream(request, replies, model, ctx, script)
        if script.cut_after is not None and script.ending == "error":
            plan.tail = b""  # the error event ends the stream: no `[DONE]`
        return plan

    def reasoning(self, request: ChatRequest, reply: Reply, *, stream: bool) -> Reasoning:
        if request.reasoning_effort == "none":  # reasoning turned off: the model thinks nothing aloud
            return DROPPED
        shown = REASONING[request.options_as(GroqOptions).reasoning_format]
        if stream and shown.field is not None:
            family = self.family(request.model)
            if family is not None and family.reasoning_channel:
                return ANALYSIS
        return shown

    # --- errors --------------------------------------------------------------------------------

    def error_object(self, error: ApiError, ctx: RequestContext) -> dict[str, Any]:
        body: dict[str, Any] = {"message": error_message(error), "type": error_type(error)}
        if error.param is not None:
            body["param"] = error.param
        code = error_code(error)
        if code is not None:
            body["code"] = code
        return body

    def render_error(self, error: ApiError, ctx: RequestContext) -> ErrorResponse:
        # Groq's error bodies end with a newline (its 401 is 96 bytes, Content-Length included).
        response = super().render_error(error, ctx)
        return ErrorResponse(response.status, response.headers, response.body + b"\n")

    def render_stream_error(self, error: ApiError, request: ChatRequest, ctx: RequestContext) -> bytes:
        """An `error` event carrying the status, after which Groq closes the stream."""
        body = {"error": {**self.error_object(error, ctx), "status_code": error.status}}
        return f"event: error\ndata: {GO.encode(body)}\n\n".encode()


def error_message(error: ApiError) -> str:
    if error.message:
        return error.message
    if error.code in ("invalid_api_key", "missing_api_key"):
        return "Invalid API Key"
    if error.code == "model_not_found":
        return model_not_found(error)
    if error.kind is ErrorKind.RATE_LIMIT:
        return rate_limit_message(error)
    return _STOCK_MESSAGES.get(error.status, f"Request failed with status {error.status}.")


def rate_limit_message(error: ApiError) -> str:
    d = error.details
    unit = "requests per minute (RPM)" if d.get("limit_name", "requests") == "requests" else "tokens per minute (TPM)"
    return (
        f"Rate limit reached for model `{d.get('model', 'fakellm')}` in organization `org_fakellm` service tier "
        f"`on_demand` on {unit}: Limit {d.get('limit', 0)}, Used {d.get('used', 0)}, Requested "
        f"{d.get('requested', 1)}. Please try again in {try_again_in(error.retry_after or 1.0)}. Need more "
        "tokens? Upgrade to Dev Tier today at https://console.groq.com/settings/billing"
    )


def error_type(error: ApiError) -> str:
    if error.kind is ErrorKind.TOO_LARGE:
        return "tokens"
    if error.kind is ErrorKind.AUTHENTICATION:
        return "invalid_request_error"
    return openai_error_type(error)
