"""Gemini's OpenAI-compatible route: `POST /v1beta/openai/chat/completions`.

OpenAI's request schema, answered with Google's quirks: keys sorted, `role`
repeated on every delta, no `finish_reason`/`logprobs` on intermediate chunks
(the last content chunk carries the finish reason), ids without `chatcmpl-`,
tool calls whole in one delta and ending with `stop` when streamed, thoughts
marked with `extra_content.google.thought`, and errors as a one-element JSON array.
"""

from __future__ import annotations

import time
from typing import Any, ClassVar

from fakellm.context import RequestContext
from fakellm.dialects.base import ErrorResponse, RouteSpec
from fakellm.dialects.gemini.errors import error_object, error_status, pretty
from fakellm.dialects.openai import DONE, SSE_MEDIA_TYPE, OpenAIDialect, compact_sorted
from fakellm.dialects.openai.request import parse_chat_body
from fakellm.errors import ApiError
from fakellm.faults.ratelimit import RateLimitStatus
from fakellm.frames import Frame, StreamPlan
from fakellm.model import ChatRequest, Reply, ToolCall, Usage
from fakellm.tokens import Piece, reply_pieces, reply_usage

THOUGHT_MARK = {"google": {"thought": True}}


def include_thoughts(extras: dict[str, Any]) -> bool:
    """`extra_body={"extra_body": {"google": {"thinking_config": {"include_thoughts": True}}}}`, as Google documents."""
    for outer in (extras.get("extra_body"), extras):
        google = outer.get("google") if isinstance(outer, dict) else None
        config = google.get("thinking_config") if isinstance(google, dict) else None
        if isinstance(config, dict) and config.get("include_thoughts") is True:
            return True
    return False


def compat_usage(usage: Usage) -> dict[str, int]:
    return {
        "completion_tokens": usage.completion_tokens,
        "prompt_tokens": usage.prompt_tokens,
        "total_tokens": usage.total_tokens,
    }


def compat_tool_call(call: ToolCall, index: int | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "function": {"arguments": call.arguments, "name": call.name},
        "id": call.id,
        "type": "function",
    }
    if index is not None:
        body["index"] = index
    return body


class GeminiOpenAIDialect(OpenAIDialect):
    name: ClassVar[str] = "gemini_openai"
    client_base_path: ClassVar[str] = "/v1beta/openai"
    routes: ClassVar[tuple[RouteSpec, ...]] = (
        RouteSpec("POST", "/v1beta/openai/chat/completions", "chat"),
        RouteSpec("GET", "/v1beta/openai/models", "models"),
    )
    error_prefixes: ClassVar[tuple[str, ...]] = ("/v1beta/openai/",)

    def parse(self, body: Any, ctx: RequestContext) -> ChatRequest:
        request = parse_chat_body(body, self.name)
        request.extras["include_thoughts"] = include_thoughts(request.extras)
        return request

    def response_headers(self, ctx: RequestContext) -> dict[str, str]:
        return {"vary": "Origin, X-Origin, Referer", "x-content-type-options": "nosniff"}

    def rate_limit_headers(self, status: RateLimitStatus) -> dict[str, str]:
        return {}

    # --- bodies --------------------------------------------------------------------------------

    def compat_message(self, reply: Reply, thoughts: bool) -> dict[str, Any]:
        text = reply.text
        if thoughts and reply.reasoning:
            text = f"<thought>{reply.reasoning}</thought>{text}"
        message: dict[str, Any] = {"content": text if text or not reply.tool_calls else None, "role": "assistant"}
        if reply.tool_calls:
            message["tool_calls"] = [compat_tool_call(c) for c in reply.tool_calls]
        return message

    def render_reply(self, request: ChatRequest, replies: list[Reply], model: str, ctx: RequestContext) -> bytes:
        thoughts = bool(request.extras.get("include_thoughts"))
        body = {
            "choices": [
                {"finish_reason": r.resolved_finish_reason, "index": i, "message": self.compat_message(r, thoughts)}
                for i, r in enumerate(replies)
            ],
            "created": int(time.time()),
            "id": ctx.ids.new("", 23),
            "model": model,
            "object": "chat.completion",
            "usage": compat_usage(reply_usage(request, replies)),
        }
        return compact_sorted(body).encode()

    def compat_delta(self, piece: Piece, reply: Reply, thoughts: bool) -> dict[str, Any] | None:
        if piece.kind == "text":
            return {"content": piece.text, "role": "assistant"}
        if piece.kind == "reasoning":
            if not thoughts:
                return None
            return {"content": piece.text, "extra_content": THOUGHT_MARK, "role": "assistant"}
        call = reply.tool_calls[piece.tool_index]
        return {"role": "assistant", "tool_calls": [compat_tool_call(call, piece.tool_index)]}

    def render_stream(self, request: ChatRequest, replies: list[Reply], model: str, ctx: RequestContext) -> StreamPlan:
        thoughts = bool(request.extras.get("include_thoughts"))
        envelope = {
            "created": int(time.time()),
            "id": ctx.ids.new("", 23),
            "model": model,
            "object": "chat.completion.chunk",
        }
        chunks: list[tuple[dict[str, Any], int]] = []
        for i, reply in enumerate(replies):
            choices: list[dict[str, Any]] = []
            for piece in reply_pieces(reply, i, whole_tool_calls=True):
                delta = self.compat_delta(piece, reply, thoughts)
                if delta is not None:
                    choices.append({"delta": delta, "index": i})
            if not choices:
                choices.append({"delta": {"content": "", "role": "assistant"}, "index": i})
            # The last content chunk carries the finish reason; streamed tool calls still end with `stop`.
            finish = "stop" if reply.resolved_finish_reason == "tool_calls" else reply.resolved_finish_reason
            choices[-1]["finish_reason"] = finish
            chunks += [({**envelope, "choices": [c]}, 1) for c in choices]
        if request.include_usage:
            chunks[-1][0]["usage"] = compat_usage(reply_usage(request, replies))
        frames = [Frame(f"data: {compact_sorted(chunk)}\n\n".encode(), tokens) for chunk, tokens in chunks]
        return StreamPlan(SSE_MEDIA_TYPE, frames, DONE)

    def render_models(self, model_ids: list[str], ctx: RequestContext) -> bytes:
        data = [{"id": f"models/{m}", "object": "model", "owned_by": "google"} for m in model_ids]
        return compact_sorted({"data": data, "object": "list"}).encode()

    # --- errors --------------------------------------------------------------------------------

    def render_error(self, error: ApiError, ctx: RequestContext) -> ErrorResponse:
        body = "[" + pretty({"error": error_object(error)}) + "\n]"
        headers = {"content-type": "application/json; charset=UTF-8", **error.headers}
        return ErrorResponse(error_status(error), headers, body.encode())

    def render_stream_error(self, error: ApiError, request: ChatRequest, ctx: RequestContext) -> bytes:
        return f"data: {compact_sorted({'error': error_object(error)})}\n\n".encode()
