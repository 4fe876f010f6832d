"""Groq's chat-completions dialect: `/openai/v1/chat/completions` (Groq's base URL is `…/openai/v1`).

OpenAI's schema and framing, with Groq's differences: an `x_groq` object (the
request id on the first chunk, timed usage on the last), the finish reason and
usage together on the final chunk, tool calls delivered whole in one delta,
and reasoning shown as `reasoning_format` asks (`parsed`, `raw` or `hidden`).
"""

from __future__ import annotations

import time
from typing import Any, ClassVar

from fakellm.context import RequestContext
from fakellm.dialects.base import ErrorResponse, RouteSpec
from fakellm.dialects.openai import (
    DONE,
    NULL_TAIL,
    SSE_MEDIA_TYPE,
    OpenAIDialect,
    dumps,
    tool_call_object,
    try_again_in,
)
from fakellm.dialects.openai.request import invalid_value, optional_bool, parse_chat_body
from fakellm.errors import ApiError, ErrorKind, bad_request
from fakellm.frames import Frame, StreamPlan
from fakellm.ids import DIGITS, IdSource
from fakellm.model import ChatRequest, Reply, Usage
from fakellm.tokens import interleave, reply_pieces, reply_usage

REASONING_FORMATS = ("hidden", "raw", "parsed")
REASONING_EFFORTS = ("none", "default", "low", "medium", "high")
# Without `reasoning_format` or `include_reasoning`, Groq's reasoning models inline their thinking.
DEFAULT_REASONING_FORMAT = "raw"
FINGERPRINT = "fp_fakellm0gq"
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


def reasoning_format(request: ChatRequest) -> str:
    fmt = request.extras.get("reasoning_format")
    if isinstance(fmt, str):
        return fmt
    include = request.extras.get("include_reasoning")
    if include is True:
        return "parsed"
    if include is False:
        return "hidden"
    return DEFAULT_REASONING_FORMAT


def shown_reply(reply: Reply, fmt: str) -> Reply:
    """The reply as the client sees it: `raw` inlines the reasoning, `hidden` drops it."""
    if not reply.reasoning or fmt == "parsed":
        return reply
    text = f"<think>\n{reply.reasoning}\n</think>\n\n{reply.text}" if fmt == "raw" else reply.text
    return Reply(text=text, tool_calls=reply.tool_calls, finish_reason=reply.finish_reason, usage=reply.usage)


class GroqDialect(OpenAIDialect):
    name: ClassVar[str] = "groq"
    client_base_path: ClassVar[str] = ""  # the SDK adds its own path
    routes: ClassVar[tuple[RouteSpec, ...]] = (
        RouteSpec("POST", "/openai/v1/chat/completions", "chat"),
        RouteSpec("GET", "/openai/v1/models", "models"),
    )
    error_prefixes: ClassVar[tuple[str, ...]] = ("/openai/",)

    def parse(self, body: Any, ctx: RequestContext) -> ChatRequest:
        request = parse_chat_body(body, self.name)
        extras = request.extras
        fmt = extras.get("reasoning_format")
        if fmt is not None and fmt not in REASONING_FORMATS:
            raise invalid_value("reasoning_format", fmt, REASONING_FORMATS)
        if "include_reasoning" in extras and extras["include_reasoning"] is not None:
            optional_bool(extras, "include_reasoning")
            if fmt is not None:
                raise bad_request(
                    "`include_reasoning` and `reasoning_format` are mutually exclusive; set only one of them.",
                    param="include_reasoning",
                )
        effort = extras.get("reasoning_effort")
        if effort is not None and effort not in REASONING_EFFORTS:
            raise invalid_value("reasoning_effort", effort, REASONING_EFFORTS)
        return request

    def response_headers(self, ctx: RequestContext) -> dict[str, str]:
        return {"x-request-id": ctx.ids.lower("req_"), "x-groq-region": "us-west-1"}

    # --- bodies --------------------------------------------------------------------------------

    def groq_message(self, reply: Reply, fmt: str) -> dict[str, Any]:
        shown = shown_reply(reply, fmt)
        message: dict[str, Any] = {"role": "assistant"}
        if shown.text or not shown.tool_calls:
            message["content"] = shown.text
        if fmt == "parsed" and reply.reasoning:
            message["reasoning"] = reply.reasoning
        if shown.tool_calls:
            message["tool_calls"] = [tool_call_object(c) for c in shown.tool_calls]
        return message

    def render_reply(self, request: ChatRequest, replies: list[Reply], model: str, ctx: RequestContext) -> bytes:
        fmt = reasoning_format(request)
        body = {
            "id": ctx.ids.new("chatcmpl-"),
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": [
                {
                    "index": i,
                    "message": self.groq_message(reply, fmt),
                    "logprobs": None,
                    "finish_reason": reply.resolved_finish_reason,
                }
                for i, reply in enumerate(replies)
            ],
            "usage": groq_usage(reply_usage(request, replies)),
            "usage_breakdown": None,
            "system_fingerprint": FINGERPRINT,
            "x_groq": {"id": ctx.ids.lower("req_"), "seed": _seed(ctx.ids)},
            "service_tier": "on_demand",
        }
        return dumps(body).encode()

    def render_stream(self, request: ChatRequest, replies: list[Reply], model: str, ctx: RequestContext) -> StreamPlan:
        fmt = reasoning_format(request)
        shown = [shown_reply(r, fmt) for r in replies]
        head = (
            f'data: {{"id":"{ctx.ids.new("chatcmpl-", 36)}","object":"chat.completion.chunk",'
            f'"created":{int(time.time())},"model":{dumps(model)},"system_fingerprint":"{FINGERPRINT}","choices":['
        )
        request_id = ctx.ids.lower("req_")
        tail = NULL_TAIL
        frames: list[Frame] = []
        for i, _ in enumerate(shown):
            role = f'{{"index":{i},"delta":{{"role":"assistant","content":""}}{tail}'
            x_groq = f',"x_groq":{{"id":"{request_id}","seed":{_seed(ctx.ids)}}}' if i == 0 else ""
            frames.append(Frame(f"{head}{role}]{x_groq}}}\n\n".encode()))
        pieces = interleave([reply_pieces(r, i, whole_tool_calls=True) for i, r in enumerate(shown)])
        for piece in pieces:
            if piece.kind == "text":
                delta = f'{{"content":{dumps(piece.text)}}}'
            elif piece.kind == "reasoning":
                delta = f'{{"reasoning":{dumps(piece.text)}}}'
            else:
                call = shown[piece.choice].tool_calls[piece.tool_index]
                whole = {**tool_call_object(call), "index": piece.tool_index}
                delta = f'{{"tool_calls":[{dumps(whole)}]}}'
            frames.append(Frame(f'{head}{{"index":{piece.choice},"delta":{delta}{tail}]}}\n\n'.encode(), 1))
        usage = dumps(groq_usage(reply_usage(request, replies)))
        for i, reply in enumerate(shown):
            finish = f'{{"index":{i},"delta":{{}},"logprobs":null,"finish_reason":"{reply.resolved_finish_reason}"}}'
            # Usage rides on the last finish chunk: Groq sends no separate `choices: []` chunk.
            last = i == len(shown) - 1
            extra = f',"x_groq":{{"id":"{request_id}","usage":{usage}}},"usage":{usage}' if last else ""
            frames.append(Frame(f"{head}{finish}]{extra}}}\n\n".encode()))
        return StreamPlan(SSE_MEDIA_TYPE, frames, DONE)

    # --- errors --------------------------------------------------------------------------------

    def error_message(self, error: ApiError) -> str:
        if error.message:
            return error.message
        if error.code in ("invalid_api_key", "missing_api_key"):
            return "Invalid API Key"
        if error.kind is ErrorKind.RATE_LIMIT:
            return self.rate_limit_message(error)
        return _STOCK_MESSAGES.get(error.status, f"Request failed with status {error.status}.")

    def rate_limit_message(self, error: ApiError) -> str:
        d = error.details
        unit = (
            "requests per minute (RPM)" if d.get("limit_name", "requests") == "requests" else "tokens per minute (TPM)"
        )
        return (
            f"Rate limit reached for model `{d.get('model', 'fakellm')}` in organization `org_fakellm` service tier "
            f"`on_demand` on {unit}: Limit {d.get('limit', 0)}, Used {d.get('used', 0)}, Requested "
            f"{d.get('requested', 1)}. Please try again in {try_again_in(error.retry_after or 1.0)}. Need more "
            "tokens? Upgrade to Dev Tier today at https://console.groq.com/settings/billing"
        )

    def error_object(self, error: ApiError) -> dict[str, Any]:
        body: dict[str, Any] = {"message": self.error_message(error), "type": self.error_type(error)}
        if error.param is not None:
            body["param"] = error.param
        code = self.error_code(error)
        if code is not None:
            body["code"] = code
        return body

    def render_error(self, error: ApiError, ctx: RequestContext) -> ErrorResponse:
        # Groq's error bodies end with a newline (its 401 is 96 bytes, Content-Length included).
        response = super().render_error(error, ctx)
        return ErrorResponse(response.status, response.headers, response.body + b"\n")

    def error_type(self, error: ApiError) -> str:
        if error.kind is ErrorKind.RATE_LIMIT:
            return str(error.details.get("limit_name", "requests"))
        if error.kind is ErrorKind.TOO_LARGE:
            return "tokens"
        if error.kind is ErrorKind.AUTHENTICATION:
            return "invalid_request_error"
        return super().error_type(error)


def _seed(ids: IdSource) -> int:
    return int(ids.token(9, DIGITS)) + 1
