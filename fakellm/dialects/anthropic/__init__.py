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
from fakellm.dialects.anthropic.readback import parse_error_body, parse_events, parse_message
from fakellm.dialects.anthropic.request import parse_request
from fakellm.dialects.base import Dialect, ErrorResponse, OperationCall, OperationResult, RouteSpec, SampleCall
from fakellm.dialects.catalogue import catalogue
from fakellm.dialects.readback import ErrorText, ReadBack, SseEvent
from fakellm.errors import ApiError
from fakellm.faults.ratelimit import RateLimitStatus
from fakellm.frames import StreamPlan
from fakellm.model import ChatRequest, Reply
from fakellm.tokens import prompt_tokens

JSON_MEDIA_TYPE = "application/json"
VERSION_HEADER = "anthropic-version"
SAMPLE_VERSION = "2023-06-01"


class AnthropicDialect(Dialect):
    name: ClassVar[str] = "anthropic"
    routes: ClassVar[tuple[RouteSpec, ...]] = (
        RouteSpec("POST", "/v1/messages", "chat"),
        RouteSpec("POST", "/v1/messages/count_tokens", "count_tokens"),
        RouteSpec("GET", "/v1/models", "models"),
        # An id may hold `/` (`fakellm/echo`) and `:`, but a Gemini method (`…:generateContent`) is not one.
        RouteSpec(
            "GET",
            r"/v1/models/(?P<model>(?!.*:(?:generateContent|streamGenerateContent|countTokens)\Z).+)",
            "model",
            regex=True,
        ),
    )
    error_prefixes: ClassVar[tuple[str, ...]] = ("/v1/messages",)
    key_headers: ClassVar[tuple[str, ...]] = ("x-api-key", "authorization")
    client_base_path: ClassVar[str] = ""  # the SDK adds /v1/messages to the server root

    @classmethod
    def sample_call(cls, text: str, model: str, key: str, *, stream: bool) -> SampleCall | None:
        """As the anthropic SDK sends it (with the key as `x-api-key`, as most clients do)."""
        body = {"model": model, "max_tokens": 1024, "messages": [{"role": "user", "content": text}], "stream": stream}
        return SampleCall("/v1/messages", {"x-api-key": key, VERSION_HEADER: SAMPLE_VERSION}, body)

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

    # --- reading answers back (`fakellm record`) ------------------------------------------------

    def parse_response(self, body: bytes) -> ReadBack | None:
        return parse_message(body)

    def parse_stream(self, events: list[SseEvent]) -> ReadBack | None:
        return parse_events(events)

    def parse_error(self, body: bytes) -> ErrorText | None:
        return parse_error_body(body)

    # --- bodies --------------------------------------------------------------------------------

    def render_reply(self, request: ChatRequest, replies: list[Reply], model: str, ctx: RequestContext) -> bytes:
        shown = catalogue().reported(self.name, model)  # an alias answers with its dated snapshot
        return compact(message_object(answer(request, replies, shown), shown, message_id(ctx))).encode()

    def render_stream(self, request: ChatRequest, replies: list[Reply], model: str, ctx: RequestContext) -> StreamPlan:
        shown = catalogue().reported(self.name, model)
        return stream_frames(answer(request, replies, shown), shown, message_id(ctx))

    def render_models(self, model_ids: list[str], ctx: RequestContext) -> bytes:
        return model_page(model_ids, ctx.query)

    def render_model(self, model_id: str, ctx: RequestContext) -> bytes:
        return model_body(model_id)

    def unknown_model(self, model_id: str, ctx: RequestContext) -> ApiError:
        return ApiError(404, f"model: {model_id}", code="model_not_found", details={"model": model_id})

    async def operate(self, operation: str, call: OperationCall) -> OperationResult:
        ctx = call.ctx
        if operation == "count_tokens":
            request = parse_request(call.body, ctx.headers, counting=True)
            if not call.knows_model(request.model):
                raise self.unknown_model(request.model, ctx)
            return OperationResult(json.dumps({"input_tokens": prompt_tokens(request)}).encode())
        # `models` and `model` are only routed here with an `anthropic-version` header (`claims`).
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
