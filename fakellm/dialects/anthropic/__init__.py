"""Anthropic's Messages dialect: `POST /v1/messages`, `/v1/messages/count_tokens`, `GET /v1/models[/{id}]`.

The SDK's base URL is the server root (it adds `/v1/...`). Every request must carry
`anthropic-version`; the key comes as `x-api-key` or (anthropic SDK 2.x) `Authorization: Bearer`.
`GET /v1/models` is OpenAI's and google-genai's path too: it is Anthropic's when the request
carries `anthropic-version` (`claims`). Replies are Anthropic messages (`message`), streams its
named events (`events`), errors its `{"type":"error",…}` bodies with a `request-id` (`errors`,
`headers`). Facts and sources: docs/wire/anthropic.md.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

from fakellm.context import RequestContext
from fakellm.dialects.anthropic.errors import error_body
from fakellm.dialects.anthropic.events import stream_frames
from fakellm.dialects.anthropic.headers import message_id, rate_limit_headers, request_id
from fakellm.dialects.anthropic.message import answer, compact, message_object
from fakellm.dialects.anthropic.models import model_body, model_page
from fakellm.dialects.anthropic.request import check_version, parse_request
from fakellm.dialects.base import Dialect, ErrorResponse, OperationCall, OperationResult, RouteSpec
from fakellm.errors import ApiError
from fakellm.faults.ratelimit import RateLimitStatus
from fakellm.frames import StreamPlan
from fakellm.model import ChatRequest, Reply
from fakellm.tokens import prompt_tokens

JSON_MEDIA_TYPE = "application/json"
VERSION_HEADER = "anthropic-version"


class AnthropicDialect(Dialect):
    name: ClassVar[str] = "anthropic"
    routes: ClassVar[tuple[RouteSpec, ...]] = (
        RouteSpec("POST", "/v1/messages", "chat"),
        RouteSpec("POST", "/v1/messages/count_tokens", "count_tokens"),
        RouteSpec("GET", "/v1/models", "models"),
        RouteSpec("GET", r"/v1/models/(?P<model_id>[^/:]+)", "model", regex=True),
    )
    error_prefixes: ClassVar[tuple[str, ...]] = ("/v1/messages",)
    key_headers: ClassVar[tuple[str, ...]] = ("x-api-key", "authorization")
    client_base_path: ClassVar[str] = ""  # the SDK adds /v1/messages to the server root

    # --- request -------------------------------------------------------------------------------

    def claims(self, ctx: RequestContext) -> bool:
        if ctx.operation in ("models", "model"):  # paths OpenAI (and Gemini) serve too
            return VERSION_HEADER in ctx.headers
        return True

    def claims_miss(self, ctx: RequestContext) -> bool:
        return VERSION_HEADER in ctx.headers

    def parse(self, body: Any, ctx: RequestContext) -> ChatRequest:
        return parse_request(body, ctx.headers)

    def api_key(self, ctx: RequestContext) -> str | None:
        key = ctx.header("x-api-key")
        if key is not None:
            return key.strip()
        auth = ctx.header("authorization")
        if auth is None:
            return None
        scheme, _, token = auth.strip().partition(" ")
        return token.strip() if scheme.lower() == "bearer" else auth.strip()

    def response_headers(self, ctx: RequestContext) -> dict[str, str]:
        return {"request-id": request_id(ctx)}

    def rate_limit_headers(self, status: RateLimitStatus) -> dict[str, str]:
        return rate_limit_headers(status)

    # --- bodies --------------------------------------------------------------------------------

    def render_reply(self, request: ChatRequest, replies: list[Reply], model: str, ctx: RequestContext) -> bytes:
        return compact(message_object(answer(request, replies, model), model, message_id(ctx))).encode()

    def render_stream(self, request: ChatRequest, replies: list[Reply], model: str, ctx: RequestContext) -> StreamPlan:
        return stream_frames(answer(request, replies, model), model, message_id(ctx))

    def render_models(self, model_ids: list[str], ctx: RequestContext) -> bytes:
        return model_page(model_ids, ctx.query)

    async def operate(self, operation: str, call: OperationCall) -> OperationResult:
        ctx = call.ctx
        if operation == "count_tokens":
            request = parse_request(call.body, ctx.headers, counting=True)
            return OperationResult(json.dumps({"input_tokens": prompt_tokens(request)}).encode())
        if operation == "model":
            if VERSION_HEADER not in ctx.headers:
                # Only this dialect serves `/v1/models/{id}` so far; without the header the request is
                # not an Anthropic client's (openai's `models.retrieve`), and a 404 is what it would get.
                raise ApiError(404)
            return OperationResult(model_body(ctx.path_params.get("model_id", "")))
        check_version(ctx.headers)
        return await super().operate(operation, call)

    # --- errors --------------------------------------------------------------------------------

    def _bearer(self, ctx: RequestContext) -> bool:
        return "x-api-key" not in ctx.headers and "authorization" in ctx.headers

    def render_error(self, error: ApiError, ctx: RequestContext) -> ErrorResponse:
        rid = request_id(ctx)
        body = error_body(error, rid, bearer=self._bearer(ctx)).encode()
        return ErrorResponse(error.status, {"content-type": JSON_MEDIA_TYPE, **error.headers, "request-id": rid}, body)

    def render_stream_error(self, error: ApiError, request: ChatRequest, ctx: RequestContext) -> bytes:
        return f"event: error\ndata: {error_body(error, request_id(ctx))}\n\n".encode()
