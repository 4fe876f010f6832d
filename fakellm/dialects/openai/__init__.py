"""OpenAI's chat-completions dialect: `/v1/chat/completions`, `/chat/completions`, `/v1/models` and
`/v1/models/{model}` (each also without `/v1`).

Chunks are written in OpenAI's own key order and framing (`data: {json}\\n\\n`, then
`data: [DONE]\\n\\n`), each padded with an `obfuscation` field unless the client turns it off.
Bodies and chunks are what `chunks` builds for OpenAI's policy, written by the hand-made
templates of `fast` (pinned byte for byte to the general encoder by tests).
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

from fakellm.context import RequestContext
from fakellm.dialects.base import ErrorResponse, RouteSpec
from fakellm.dialects.openai.family import OpenAIFamilyDialect, model_path
from fakellm.dialects.openai.fast import OpenAIChunkWriter, reply_body
from fakellm.dialects.openai.policy import OPENAI, Policy, Reasoning, shown_reasoning
from fakellm.dialects.openai.request import OpenAIOptions, openai_options, parse_chat_body
from fakellm.dialects.openai.writer import ChunkWriter
from fakellm.errors import ApiError
from fakellm.ids import DIGITS, HEX
from fakellm.model import ChatRequest, Reply
from fakellm.tokens import reply_usage

ERROR_MEDIA_TYPE = "application/json; charset=utf-8"
# The headers of a tier-1 key with no rate limit configured (a configured one's replace them).
RATE_LIMIT_HEADERS = {
    "x-ratelimit-limit-requests": "500",
    "x-ratelimit-limit-tokens": "200000",
    "x-ratelimit-remaining-requests": "499",
    "x-ratelimit-remaining-tokens": "199996",
    "x-ratelimit-reset-requests": "120ms",
    "x-ratelimit-reset-tokens": "1ms",
}


class OpenAIDialect(OpenAIFamilyDialect):
    name: ClassVar[str] = "openai"
    client_base_path: ClassVar[str] = "/v1"
    routes: ClassVar[tuple[RouteSpec, ...]] = (
        RouteSpec("POST", "/v1/chat/completions", "chat"),
        RouteSpec("POST", "/chat/completions", "chat"),
        RouteSpec("GET", "/v1/models", "models"),
        RouteSpec("GET", "/models", "models"),
        model_path("/v1/models"),
        model_path("/models"),
    )
    # The catch-all: registered last, OpenAI's shape answers any path no other dialect owns.
    error_prefixes: ClassVar[tuple[str, ...]] = ("/",)
    policy: ClassVar[Policy] = OPENAI
    stream_cache_control: ClassVar[str | None] = None

    def parse(self, body: Any, ctx: RequestContext) -> ChatRequest:
        request = parse_chat_body(body, self.name)
        self.refuse_fields(body, request.model)
        request.options = openai_options(body)
        return request

    def response_headers(self, ctx: RequestContext) -> dict[str, str]:
        # A configured rate limit's headers (the fault stage's) replace the stock ones.
        return {
            "x-request-id": "req_" + ctx.ids.token(32, HEX),
            "openai-processing-ms": str(120 + int(ctx.ids.token(3, DIGITS))),
            "openai-version": "2020-10-01",
            **RATE_LIMIT_HEADERS,
        }

    def render_error(self, error: ApiError, ctx: RequestContext) -> ErrorResponse:
        # OpenAI pretty-prints its errors: four-space indent, a trailing newline, a charset.
        body = json.dumps({"error": self.error_object(error, ctx)}, indent=4, ensure_ascii=False) + "\n"
        return ErrorResponse(error.status, {"content-type": ERROR_MEDIA_TYPE, **error.headers}, body.encode())

    def reasoning(self, request: ChatRequest, reply: Reply, *, stream: bool) -> Reasoning:
        return shown_reasoning(reply)

    def chunk_writer(
        self, request: ChatRequest, model: str, ctx: RequestContext, usage: dict[str, Any] | None
    ) -> ChunkWriter:
        obfuscation = request.options_as(OpenAIOptions).include_obfuscation
        return OpenAIChunkWriter(ctx.ids, model, null_usage=request.include_usage, obfuscation=obfuscation, usage=usage)

    def render_reply(self, request: ChatRequest, replies: list[Reply], model: str, ctx: RequestContext) -> bytes:
        if request.logprobs:  # rare: the general builder (pinned to the same bytes as `fast`)
            return super().render_reply(request, replies, model, ctx)
        replies = self.framed(request, replies)
        return reply_body(replies, reply_usage(request, replies), self.model_name(model), ctx.ids)
