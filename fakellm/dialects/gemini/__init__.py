"""Gemini's native dialect: `/v1beta/models/{model}:generateContent` and `:streamGenerateContent`.

A reply is a list of `candidates` (content with role `model`, a `finishReason`),
cumulative `usageMetadata`, `modelVersion` (the model named in the path) and a
`responseId`. Streams come in two framings: with `?alt=sse`, `data: ` + JSON +
CRLF CRLF and no terminator (google-genai reads nothing else: no comments, no
`event:` lines, no `[DONE]`); without it, one JSON array streamed element by element.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

from fakellm.context import RequestContext
from fakellm.dialects.base import Dialect, ErrorResponse, RouteSpec
from fakellm.dialects.catalogue import Family, catalogue
from fakellm.dialects.gemini.errors import error_object, error_status, pretty
from fakellm.dialects.gemini.request import GeminiOptions, parse_generate_body
from fakellm.dialects.gemini.signatures import check_native, signature, text_signature
from fakellm.errors import ApiError
from fakellm.faults.ratelimit import RateLimitStatus
from fakellm.frames import Frame, StreamPlan
from fakellm.model import ChatRequest, FinishReason, Reply, ToolCall, Usage
from fakellm.tokens import interleave, prompt_tokens, reply_pieces, reply_usage, split_arguments

JSON_MEDIA_TYPE = "application/json; charset=UTF-8"
SSE_MEDIA_TYPE = "text/event-stream"
ARRAY_SEPARATOR = "\n,\r\n"
FINISH_REASONS: dict[FinishReason, str] = {
    "stop": "STOP",
    "tool_calls": "STOP",  # Gemini has no tool-specific finish reason
    "length": "MAX_TOKENS",
    "content_filter": "SAFETY",
    "error": "OTHER",
}


def sse_json(value: Any) -> str:
    """One line, with `": "` after keys and nothing after commas, as Gemini's SSE events are written."""
    return json.dumps(value, separators=(",", ": "), ensure_ascii=False)


def function_call_part(call: ToolCall, family: Family | None = None, first: bool = True) -> dict[str, Any]:
    """A `functionCall` part: with an `id` unless the model's family sends none (2.x, 3), and with a
    thought signature beside the turn's first call where the family signs (2.5, 3)."""
    try:
        args = json.loads(call.arguments) if call.arguments else {}
    except json.JSONDecodeError:
        args = {}
    function: dict[str, Any] = {"name": call.name, "args": args if isinstance(args, dict) else {}}
    if family is None or family.function_call_ids:
        function["id"] = call.id
    part: dict[str, Any] = {"functionCall": function}
    if first and family is not None and family.thought_signatures != "none":
        part["thoughtSignature"] = signature(call)
    return part


def usage_metadata(prompt: int, candidates: int, thoughts: int) -> dict[str, Any]:
    body: dict[str, Any] = {
        "promptTokenCount": prompt,
        "candidatesTokenCount": candidates,
        "totalTokenCount": prompt + candidates + thoughts,
        "promptTokensDetails": [{"modality": "TEXT", "tokenCount": prompt}],
    }
    if thoughts:
        body["thoughtsTokenCount"] = thoughts
    return body


def sse(ctx: RequestContext) -> bool:
    """Whether the client asked for the SSE framing (`?alt=sse`) rather than a streamed JSON array."""
    return ctx.query.get("alt") == "sse"


def final_usage(usage: Usage) -> dict[str, Any]:
    return usage_metadata(usage.prompt_tokens, usage.completion_tokens - usage.reasoning_tokens, usage.reasoning_tokens)


class GeminiDialect(Dialect):
    name: ClassVar[str] = "gemini"
    routes: ClassVar[tuple[RouteSpec, ...]] = (
        RouteSpec(
            "POST",
            r"/(?P<version>v1beta|v1alpha|v1)/models/(?P<model>[^:]+):(?P<method>generateContent|streamGenerateContent)",
            "chat",
            regex=True,
        ),
        RouteSpec("GET", "/v1beta/models", "models"),
        # google-genai 3.x defaults to API version v1, whose list route is OpenAI's `/v1/models` too.
        RouteSpec("GET", "/v1/models", "models"),
    )
    error_prefixes: ClassVar[tuple[str, ...]] = ("/v1beta/", "/v1alpha/")
    json_media_type: ClassVar[str] = JSON_MEDIA_TYPE
    stream_cache_control: ClassVar[str | None] = None

    # --- request -------------------------------------------------------------------------------

    def claims(self, ctx: RequestContext) -> bool:
        if ctx.path_params or ctx.route_path != "/v1/models":
            return True
        return any(h in ctx.headers for h in ("x-goog-api-key", "x-goog-api-client")) or "key" in ctx.query

    def claims_miss(self, ctx: RequestContext) -> bool:
        # `POST /v1/models` from google-genai (a Google key or client header) is refused as Google would.
        return any(h in ctx.headers for h in ("x-goog-api-key", "x-goog-api-client")) or "key" in ctx.query

    def parse(self, body: Any, ctx: RequestContext) -> ChatRequest:
        stream = ctx.path_params.get("method") == "streamGenerateContent"
        request = parse_generate_body(body, ctx.path_params.get("model", ""), stream=stream, ids=ctx.ids)
        family = catalogue().family(self.name, request.model)
        if family is not None and family.thought_signatures == "required":
            check_native(body["contents"])
        return request

    key_headers: ClassVar[tuple[str, ...]] = ("x-goog-api-key",)
    key_query_params: ClassVar[tuple[str, ...]] = ("key",)

    def api_key(self, ctx: RequestContext) -> str | None:
        key = ctx.header("x-goog-api-key")
        if key is None:
            key = ctx.query.get("key")
        return key.strip() if key is not None else None

    def response_headers(self, ctx: RequestContext) -> dict[str, str]:
        return {
            "vary": "Origin, X-Origin, Referer",
            "x-content-type-options": "nosniff",
            "x-frame-options": "SAMEORIGIN",
            "x-xss-protection": "0",
        }

    def rate_limit_headers(self, status: RateLimitStatus) -> dict[str, str]:
        return {}  # Gemini sends no rate-limit headers; the quota lives in the 429 body

    # --- bodies --------------------------------------------------------------------------------

    def candidate(self, reply: Reply, index: int, include_thoughts: bool, family: Family | None) -> dict[str, Any]:
        parts: list[dict[str, Any]] = []
        if reply.reasoning and include_thoughts:
            parts.append({"text": reply.reasoning, "thought": True})
        if reply.text:
            parts.append({"text": reply.text})
        parts += [function_call_part(c, family, i == 0) for i, c in enumerate(reply.tool_calls)]
        return {
            "content": {"parts": parts or [{"text": ""}], "role": "model"},
            "finishReason": FINISH_REASONS[reply.resolved_finish_reason],
            "index": index,
        }

    def render_reply(self, request: ChatRequest, replies: list[Reply], model: str, ctx: RequestContext) -> bytes:
        thoughts = request.options_as(GeminiOptions).include_thoughts
        family = catalogue().family(self.name, request.model)
        body = {
            "candidates": [self.candidate(r, i, thoughts, family) for i, r in enumerate(replies)],
            "usageMetadata": final_usage(reply_usage(request, replies)),
            "modelVersion": model,
            "responseId": ctx.ids.new("", 23),
        }
        return (pretty(body) + "\n").encode()

    def render_stream(self, request: ChatRequest, replies: list[Reply], model: str, ctx: RequestContext) -> StreamPlan:
        thoughts = request.options_as(GeminiOptions).include_thoughts
        family = catalogue().family(self.name, request.model)
        response_id = ctx.ids.new("", 23)
        prompt = prompt_tokens(request)
        shown: list[dict[str, Any]] = []
        candidates_so_far = 0
        thoughts_so_far = 0
        for piece in interleave([reply_pieces(r, i, whole_tool_calls=True) for i, r in enumerate(replies)]):
            if piece.kind == "reasoning":
                thoughts_so_far += 1
                if not thoughts:
                    continue
                part: dict[str, Any] = {"text": piece.text, "thought": True}
            elif piece.kind == "text":
                candidates_so_far += 1
                part = {"text": piece.text}
            else:
                call = replies[piece.choice].tool_calls[piece.tool_index]
                candidates_so_far += len(split_arguments(call.arguments))
                part = function_call_part(call, family, piece.tool_index == 0)
            shown.append(
                {
                    "candidates": [{"content": {"parts": [part], "role": "model"}, "index": piece.choice}],
                    "usageMetadata": usage_metadata(prompt, candidates_so_far, thoughts_so_far),
                    "modelVersion": model,
                    "responseId": response_id,
                }
            )
        usage = final_usage(reply_usage(request, replies))
        if family is not None and family.finish_chunk == "last" and len(replies) == 1 and shown:
            # Gemini 2.x: the last content chunk carries the finish and the final usage; no empty chunk.
            done = shown[-1]
            content = done["candidates"][0]["content"]
            finish = FINISH_REASONS[replies[0].resolved_finish_reason]
            done["candidates"] = [{"content": content, "finishReason": finish, "index": 0}]
            done["usageMetadata"] = usage
            return self._stream_plan(shown[:-1], done, ctx)
        last = {
            "candidates": [
                {
                    "content": {"parts": [self._finish_part(r, family)], "role": "model"},
                    "finishReason": FINISH_REASONS[r.resolved_finish_reason],
                    "index": i,
                }
                for i, r in enumerate(replies)
            ],
            "usageMetadata": usage,
            "modelVersion": model,
            "responseId": response_id,
        }
        return self._stream_plan(shown, last, ctx)

    @staticmethod
    def _finish_part(reply: Reply, family: Family | None) -> dict[str, Any]:
        """The empty part of the finish chunk; Gemini 3 signs a text answer there."""
        if family is not None and family.signature_on_finish and not reply.tool_calls:
            return {"text": "", "thoughtSignature": text_signature(reply.text)}
        return {"text": ""}

    @staticmethod
    def _stream_plan(shown: list[dict[str, Any]], last: dict[str, Any], ctx: RequestContext) -> StreamPlan:
        """The chunks in the framing asked for (SSE, or a streamed JSON array), `last` ending them."""
        if sse(ctx):
            frames = [Frame(f"data: {sse_json(chunk)}\r\n\r\n".encode(), 1) for chunk in shown]
            frames.append(Frame(f"data: {sse_json(last)}\r\n\r\n".encode()))
            return StreamPlan(SSE_MEDIA_TYPE, frames)
        elements = [pretty(chunk) for chunk in shown]
        frames = [Frame(((ARRAY_SEPARATOR if i else "[") + e).encode(), 1) for i, e in enumerate(elements)]
        frames.append(Frame(((ARRAY_SEPARATOR if elements else "[") + pretty(last)).encode()))
        return StreamPlan(JSON_MEDIA_TYPE, frames, b"\n]")

    def render_models(self, model_ids: list[str], ctx: RequestContext) -> bytes:
        models = [
            {
                "name": f"models/{m}",
                "version": "001",
                "displayName": m,
                "description": "A fakellm scenario served in the Gemini dialect.",
                "inputTokenLimit": 1048576,
                "outputTokenLimit": 65536,
                "supportedGenerationMethods": ["generateContent", "countTokens"],
                "temperature": 1,
                "topP": 0.95,
                "topK": 64,
                "maxTemperature": 2,
                "thinking": True,
            }
            for m in model_ids
        ]
        return (pretty({"models": models}) + "\n").encode()

    # --- errors --------------------------------------------------------------------------------

    def render_error(self, error: ApiError, ctx: RequestContext) -> ErrorResponse:
        if error.code == "model_not_found":
            error.details.setdefault("api_version", ctx.path_params.get("version", "v1beta"))
            error.details.setdefault("method", ctx.path_params.get("method", "generateContent"))
        text = pretty({"error": error_object(error)})
        array_stream = ctx.path_params.get("method") == "streamGenerateContent" and not sse(ctx)
        # A streamed-array request gets its error inside a one-element array, as Google sends it.
        body = f"[{text}\n]" if array_stream else text + "\n"
        headers = {"content-type": JSON_MEDIA_TYPE, **error.headers}
        return ErrorResponse(error_status(error), headers, body.encode())

    def render_stream_error(self, error: ApiError, request: ChatRequest, ctx: RequestContext) -> bytes:
        wrapped = {"error": error_object(error)}
        if sse(ctx):
            return f"data: {sse_json(wrapped)}\r\n\r\n".encode()
        # Another element of the open array; the stream's tail closes it.
        return (ARRAY_SEPARATOR + pretty(wrapped)).encode()
