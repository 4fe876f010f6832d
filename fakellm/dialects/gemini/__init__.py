"""Gemini's native dialect: `/v1beta/models/{model}:generateContent` and `:streamGenerateContent`, and
the model routes: list, read (`GET models/{model}`) and `:countTokens`.

A reply is a list of `candidates` (content with role `model`, a `finishReason`),
cumulative `usageMetadata`, `modelVersion` (the model named in the path) and a
`responseId`. Streams come in two framings: with `?alt=sse`, `data: ` + JSON +
CRLF CRLF and no terminator (google-genai reads nothing else: no comments, no
`event:` lines, no `[DONE]`); without it, one JSON array streamed element by element.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar
from urllib.parse import quote

from fakellm.context import RequestContext
from fakellm.dialects.base import Dialect, ErrorResponse, OperationCall, OperationResult, RouteSpec, SampleCall
from fakellm.dialects.catalogue import Family, catalogue
from fakellm.dialects.gemini.errors import error_object, error_status, pretty
from fakellm.dialects.gemini.readback import parse_error_body, parse_events, parse_generate
from fakellm.dialects.gemini.request import GeminiOptions, field, parse_generate_body, require_dict
from fakellm.dialects.gemini.semantics import apply_semantics
from fakellm.dialects.gemini.signatures import check_native, signature, text_signature
from fakellm.dialects.logprobs import Candidate, LogprobCursor, TokenLogprob, text_logprobs
from fakellm.dialects.readback import ErrorText, ReadBack, SseEvent
from fakellm.errors import ApiError
from fakellm.faults.ratelimit import RateLimitStatus
from fakellm.frames import Frame, StreamPlan
from fakellm.ids import IdSource
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


def model_resource(model_id: str) -> dict[str, Any]:
    """A model as Gemini's `models` routes show it (the `Model` resource)."""
    return {
        "name": f"models/{model_id}",
        "version": "001",
        "displayName": model_id,
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


def count_tokens(body: Any, model_id: str, ids: IdSource) -> dict[str, Any]:
    """`:countTokens`: the prompt tokens of `contents` (or of a whole `generateContentRequest`), the very
    number generateContent reports as `promptTokenCount` for the same request."""
    if isinstance(body, dict) and field(body, "generateContentRequest") is not None:
        body = require_dict(field(body, "generateContentRequest"), "generate_content_request", "GenerateContentRequest")
    elif isinstance(body, dict):
        body = {"contents": body.get("contents")}
    request = parse_generate_body(body, model_id, stream=False, ids=ids)
    total = prompt_tokens(request)
    return {"totalTokens": total, "promptTokensDetails": [{"modality": "TEXT", "tokenCount": total}]}


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


def _candidate_object(candidate: Candidate) -> dict[str, Any]:
    return {"token": candidate.token, "logProbability": candidate.logprob}


def logprobs_fields(entries: list[TokenLogprob], top: int, average: bool) -> dict[str, Any]:
    """A candidate's `avgLogprobs` (when `average`) and `logprobsResult` for the tokens of `entries`;
    `topCandidates` only when `logprobs` asked for some."""
    chosen = [e.chosen.logprob for e in entries]
    result: dict[str, Any] = {}
    if top:
        result["topCandidates"] = [{"candidates": [_candidate_object(c) for c in e.top]} for e in entries]
    result["chosenCandidates"] = [_candidate_object(e.chosen) for e in entries]
    result["logProbabilitySum"] = round(sum(chosen), 8)
    fields: dict[str, Any] = {}
    if average:
        fields["avgLogprobs"] = round(sum(chosen) / len(chosen), 8) if chosen else 0
    fields["logprobsResult"] = result
    return fields


def from_google(ctx: RequestContext) -> bool:
    """Whether a Google client sent the request: a Google key (`x-goog-api-key`, `?key=`) or `x-goog-api-client`."""
    return any(h in ctx.headers for h in ("x-goog-api-key", "x-goog-api-client")) or "key" in ctx.query


def sse(ctx: RequestContext) -> bool:
    """Whether the client asked for the SSE framing (`?alt=sse`) rather than a streamed JSON array."""
    return ctx.query.get("alt") == "sse"


def final_usage(usage: Usage) -> dict[str, Any]:
    return usage_metadata(usage.prompt_tokens, usage.completion_tokens - usage.reasoning_tokens, usage.reasoning_tokens)


class GeminiDialect(Dialect):
    name: ClassVar[str] = "gemini"
    # LiteLLM's `gemini/` provider wants the API version in its `api_base`.
    other_base_paths: ClassVar[dict[str, str]] = {"litellm_gemini": "/v1beta"}
    routes: ClassVar[tuple[RouteSpec, ...]] = (
        RouteSpec(
            "POST",
            r"/(?P<version>v1beta|v1alpha|v1)/models/(?P<model>[^:]+):(?P<method>generateContent|streamGenerateContent)",
            "chat",
            regex=True,
        ),
        RouteSpec(
            "POST", r"/(?P<version>v1beta|v1alpha|v1)/models/(?P<model>[^:]+):countTokens", "count_tokens", regex=True
        ),
        RouteSpec("GET", "/v1beta/models", "models"),
        RouteSpec("GET", r"/(?P<version>v1beta|v1alpha)/models/(?P<model>[^:]+)", "model", regex=True),
        # google-genai 3.x defaults to API version v1, whose model routes are OpenAI's too (`/v1/models`,
        # `/v1/models/{model}`): a Google key or client header says which provider's they are.
        RouteSpec("GET", "/v1/models", "models"),
        RouteSpec("GET", r"/(?P<version>v1)/models/(?P<model>[^:]+)", "model", regex=True),
    )
    error_prefixes: ClassVar[tuple[str, ...]] = ("/v1beta/", "/v1alpha/")
    json_media_type: ClassVar[str] = JSON_MEDIA_TYPE
    stream_cache_control: ClassVar[str | None] = None

    # --- request -------------------------------------------------------------------------------

    @classmethod
    def sample_call(cls, text: str, model: str, key: str, *, stream: bool) -> SampleCall | None:
        """As google-genai sends it: the model in the path, `?alt=sse` to stream, `x-goog-api-key`."""
        method = "streamGenerateContent?alt=sse" if stream else "generateContent"
        body = {"contents": [{"role": "user", "parts": [{"text": text}]}]}
        return SampleCall(f"/v1beta/models/{quote(model, safe='')}:{method}", {"x-goog-api-key": key}, body)

    def claims(self, ctx: RequestContext) -> bool:
        shared = ctx.route_path == "/v1/models" or (ctx.operation == "model" and ctx.route_path.startswith("/v1/"))
        return not shared or from_google(ctx)

    def claims_miss(self, ctx: RequestContext) -> bool:
        # A wrong method or unknown path under `/v1/` from google-genai (a Google key or client header) is
        # refused as Google would.
        return from_google(ctx)

    def parse(self, body: Any, ctx: RequestContext) -> ChatRequest:
        stream = ctx.path_params.get("method") == "streamGenerateContent"
        request = parse_generate_body(body, ctx.path_params.get("model", ""), stream=stream, ids=ctx.ids)
        apply_semantics(body, request)
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

    def candidate(
        self, request: ChatRequest, reply: Reply, index: int, include_thoughts: bool, family: Family | None
    ) -> dict[str, Any]:
        parts: list[dict[str, Any]] = []
        if reply.reasoning and include_thoughts:
            parts.append({"text": reply.reasoning, "thought": True})
        if reply.text:
            parts.append({"text": reply.text})
        parts += [function_call_part(c, family, i == 0) for i, c in enumerate(reply.tool_calls)]
        body: dict[str, Any] = {
            "content": {"parts": parts or [{"text": ""}], "role": "model"},
            "finishReason": FINISH_REASONS[reply.resolved_finish_reason],
        }
        if reply.tool_calls and family is not None and family.finish_message:
            body["finishMessage"] = "Model generated function call(s)."
        if request.logprobs:
            body.update(logprobs_fields(text_logprobs(reply.text, request.top_logprobs), request.top_logprobs, True))
        body["index"] = index
        return body

    def render_reply(self, request: ChatRequest, replies: list[Reply], model: str, ctx: RequestContext) -> bytes:
        thoughts = request.options_as(GeminiOptions).include_thoughts
        family = catalogue().family(self.name, request.model)
        body = {
            "candidates": [self.candidate(request, r, i, thoughts, family) for i, r in enumerate(replies)],
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
        cursor = LogprobCursor(request.top_logprobs) if request.logprobs else None
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
            candidate: dict[str, Any] = {"content": {"parts": [part], "role": "model"}}
            if cursor is not None and piece.kind == "text":
                entry = cursor.next(piece.choice, piece.text)
                candidate.update(logprobs_fields([entry], request.top_logprobs, False))
            candidate["index"] = piece.choice
            shown.append(
                {
                    "candidates": [candidate],
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
            ended: dict[str, Any] = {"content": content, "finishReason": finish}
            ended.update({k: v for k, v in done["candidates"][0].items() if k in ("avgLogprobs", "logprobsResult")})
            ended["index"] = 0
            done["candidates"] = [ended]
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
        return (pretty({"models": [model_resource(m) for m in model_ids]}) + "\n").encode()

    def render_model(self, model_id: str, ctx: RequestContext) -> bytes:
        return (pretty(model_resource(model_id)) + "\n").encode()

    def unknown_model(self, model_id: str, ctx: RequestContext) -> ApiError:
        version = ctx.path_params.get("version", "v1beta")
        method = "countTokens" if ctx.operation == "count_tokens" else "get"
        message = (
            f"models/{model_id} is not found for API version {version}, or is not supported for {method}. Call "
            "ModelService.ListModels to see the list of available models and their supported methods."
        )
        return ApiError(404, message, code="model_not_found")

    async def operate(self, operation: str, call: OperationCall) -> OperationResult:
        if operation != "count_tokens":
            return await super().operate(operation, call)
        model_id = call.ctx.path_params.get("model", "")
        if not call.knows_model(model_id):
            raise self.unknown_model(model_id, call.ctx)
        return OperationResult((pretty(count_tokens(call.body, model_id, call.ctx.ids)) + "\n").encode())

    # --- reading answers back (`fakellm record`) ------------------------------------------------

    def parse_response(self, body: bytes) -> ReadBack | None:
        return parse_generate(body)

    def parse_stream(self, events: list[SseEvent]) -> ReadBack | None:
        return parse_events(events)

    def parse_error(self, body: bytes) -> ErrorText | None:
        return parse_error_body(body)

    # --- errors --------------------------------------------------------------------------------

    def render_error(self, error: ApiError, ctx: RequestContext) -> ErrorResponse:
        if error.code == "model_not_found":
            error.details.setdefault("api_version", ctx.path_params.get("version", "v1beta"))
            error.details.setdefault("method", ctx.path_params.get("method", "generateContent"))
        text = pretty({"error": error_object(error)})
        streamed = ctx.path_params.get("method") == "streamGenerateContent"
        # A streamed-array request gets its error inside a one-element array, as Google sends it; an
        # `alt=sse` request gets the plain JSON error labelled as an event stream, as Google labels it.
        body = f"[{text}\n]" if streamed and not sse(ctx) else text + "\n"
        media_type = SSE_MEDIA_TYPE if streamed and sse(ctx) else JSON_MEDIA_TYPE
        headers = {"content-type": media_type, **error.headers}
        return ErrorResponse(error_status(error), headers, body.encode())

    def render_stream_error(self, error: ApiError, request: ChatRequest, ctx: RequestContext) -> bytes:
        wrapped = {"error": error_object(error)}
        if sse(ctx):
            return f"data: {sse_json(wrapped)}\r\n\r\n".encode()
        # Another element of the open array; the stream's tail closes it.
        return (ARRAY_SEPARATOR + pretty(wrapped)).encode()
