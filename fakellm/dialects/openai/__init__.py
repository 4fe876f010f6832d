"""OpenAI's chat-completions dialect: `/v1/chat/completions`, `/chat/completions`, `/v1/models`.

Chunks are written in OpenAI's own key order and framing (`data: {json}\\n\\n`, then
`data: [DONE]\\n\\n`), each padded with an `obfuscation` field unless the client turns it off.
Bodies and chunks are what `chunks` builds for OpenAI's policy, written by the hand-made
templates of `fast` (pinned byte for byte to the general encoder by tests).
"""

from __future__ import annotations

from typing import Any, ClassVar

from fakellm.context import RequestContext
from fakellm.dialects.base import RouteSpec
from fakellm.dialects.openai.family import OpenAIFamilyDialect
from fakellm.dialects.openai.fast import OpenAIChunkWriter, reply_body
from fakellm.dialects.openai.policy import OPENAI, Policy, Reasoning, shown_reasoning
from fakellm.dialects.openai.request import OpenAIOptions, openai_options, parse_chat_body
from fakellm.dialects.openai.writer import ChunkWriter
from fakellm.ids import HEX
from fakellm.model import ChatRequest, Reply
from fakellm.tokens import reply_usage


class OpenAIDialect(OpenAIFamilyDialect):
    name: ClassVar[str] = "openai"
    client_base_path: ClassVar[str] = "/v1"
    routes: ClassVar[tuple[RouteSpec, ...]] = (
        RouteSpec("POST", "/v1/chat/completions", "chat"),
        RouteSpec("POST", "/chat/completions", "chat"),
        RouteSpec("GET", "/v1/models", "models"),
        RouteSpec("GET", "/models", "models"),
    )
    # The catch-all: registered last, OpenAI's shape answers any path no other dialect owns.
    error_prefixes: ClassVar[tuple[str, ...]] = ("/",)
    policy: ClassVar[Policy] = OPENAI

    def parse(self, body: Any, ctx: RequestContext) -> ChatRequest:
        request = parse_chat_body(body, self.name)
        self.refuse_fields(body, request.model)
        request.options = openai_options(body)
        return request

    def response_headers(self, ctx: RequestContext) -> dict[str, str]:
        return {"x-request-id": "req_" + ctx.ids.token(32, HEX), "openai-version": "2020-10-01"}

    def reasoning(self, request: ChatRequest, reply: Reply, *, stream: bool) -> Reasoning:
        return shown_reasoning(reply)

    def chunk_writer(
        self, request: ChatRequest, model: str, ctx: RequestContext, usage: dict[str, Any] | None
    ) -> ChunkWriter:
        obfuscation = request.options_as(OpenAIOptions).include_obfuscation
        return OpenAIChunkWriter(ctx.ids, model, null_usage=request.include_usage, obfuscation=obfuscation, usage=usage)

    def render_reply(self, request: ChatRequest, replies: list[Reply], model: str, ctx: RequestContext) -> bytes:
        return reply_body(replies, reply_usage(request, replies), self.model_name(model), ctx.ids)
