"""What the OpenAI-style dialects (OpenAI, Azure, Groq, Gemini's OpenAI route) share.

Each sets a `Policy` and says how a reply's reasoning shows; the bodies and streams are built from
those by `chunks` and `stream`. Errors default to OpenAI's shape (`error_object`); models to
OpenAI's list.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any, ClassVar

from fakellm.context import RequestContext
from fakellm.dialects.base import Dialect, ErrorResponse, RouteSpec, SampleCall
from fakellm.dialects.catalogue import Family, catalogue
from fakellm.dialects.openai.chunks import completion
from fakellm.dialects.openai.encoding import NATIVE
from fakellm.dialects.openai.errors import error_object
from fakellm.dialects.openai.policy import HIDDEN, Policy, Reasoning
from fakellm.dialects.openai.readback import parse_chunks, parse_completion, parse_error_body
from fakellm.dialects.openai.stream import last_chunk_usage, stream_frames
from fakellm.dialects.openai.writer import ChunkWriter
from fakellm.dialects.readback import ErrorText, ReadBack, SseEvent
from fakellm.errors import ApiError
from fakellm.frames import StreamPlan
from fakellm.model import ChatRequest, Reply
from fakellm.tokens import reply_usage

SSE_MEDIA_TYPE = "text/event-stream; charset=utf-8"
JSON_MEDIA_TYPE = "application/json"
DONE = b"data: [DONE]\n\n"


def model_path(prefix: str) -> RouteSpec:
    """`GET {prefix}/{model}`: read one model. The id may hold `/` (`fakellm/echo`, which openai's SDK
    sends percent-encoded) and `:` (fine-tuned ids), but a Gemini method (`…:generateContent`) is not one."""
    return RouteSpec(
        "GET",
        re.escape(prefix) + r"/(?P<model>(?!.*:(?:generateContent|streamGenerateContent|countTokens)\Z).+)",
        "model",
        regex=True,
    )


def model_object(model_id: str) -> dict[str, Any]:
    """A model as OpenAI's list and read routes show it."""
    return {"id": model_id, "object": "model", "created": 1700000000, "owned_by": "fakellm"}


def bearer_key(ctx: RequestContext) -> str | None:
    """The token of an `Authorization: Bearer …` header."""
    auth = ctx.header("authorization")
    if auth is None:
        return None
    scheme, _, token = auth.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


class OpenAIFamilyDialect(Dialect):
    policy: ClassVar[Policy]

    @classmethod
    def sample_call(cls, text: str, model: str, key: str, *, stream: bool) -> SampleCall | None:
        """A chat completion on this dialect's first plain `/chat/completions` route, with a Bearer key."""
        chats = (r.pattern for r in cls.routes if r.operation == "chat" and not r.regex)
        path = next((p for p in chats if p.endswith("/chat/completions")), None)  # embeddings have none
        if path is None:
            return None
        body = {"model": model, "messages": [{"role": "user", "content": text}], "stream": stream}
        return SampleCall(path, {"authorization": f"Bearer {key}"}, body)

    def api_key(self, ctx: RequestContext) -> str | None:
        return bearer_key(ctx)

    # --- what a dialect decides ----------------------------------------------------------------

    def reasoning(self, request: ChatRequest, reply: Reply, *, stream: bool) -> Reasoning:
        """How this reply's reasoning shows to this client (hidden by default)."""
        return HIDDEN

    def model_name(self, model: str) -> str:
        """The model as the response names it: the catalogue's dated snapshot, or the name as given."""
        return catalogue().reported(self.name, model)

    def family(self, model: str | None) -> Family | None:
        """The catalogue's family of `model` in this dialect; None for a name it does not know."""
        return catalogue().family(self.name, model)

    def refuse_fields(self, body: Any, model: str | None) -> None:
        """The provider's 400 for a field the model's family does not take (gpt-5's `max_tokens`)."""
        family = self.family(model)
        if family is not None and isinstance(body, dict):
            family.check(body)

    def policy_for(self, request: ChatRequest) -> Policy:
        """The policy that frames this request's answer (the dialect's, unless its model differs)."""
        return self.policy

    def chunk_writer(
        self, request: ChatRequest, model: str, ctx: RequestContext, usage: dict[str, Any] | None
    ) -> ChunkWriter:
        """The writer of one stream's chunks (`usage`: what its last chunk carries, if anything)."""
        policy = self.policy_for(request)
        null_usage = request.include_usage and policy.stream_usage == "own_chunk"
        return ChunkWriter(policy, ctx.ids, model, null_usage=null_usage, obfuscation=policy.obfuscation, usage=usage)

    # --- bodies --------------------------------------------------------------------------------

    def framed(self, request: ChatRequest, replies: list[Reply]) -> list[Reply]:
        """The replies with the finish reasons this provider reports: a call forced by naming the tool
        finishes with the policy's `forced_tool_finish` (OpenAI: `stop`)."""
        finish = self.policy.forced_tool_finish
        if finish is None or request.tool_choice.mode != "named":
            return replies
        return [replace(r, finish_reason=finish) if r.tool_calls and r.finish_reason is None else r for r in replies]

    def shown_replies(self, replies: list[Reply], ctx: RequestContext) -> list[Reply]:
        """The replies as this provider shows them (Gemini's OpenAI route renames tool-call ids)."""
        return replies

    def render_reply(self, request: ChatRequest, replies: list[Reply], model: str, ctx: RequestContext) -> bytes:
        replies = self.shown_replies(self.framed(request, replies), ctx)
        policy = self.policy_for(request)
        reasoning = [self.reasoning(request, r, stream=False) for r in replies]
        usage = reply_usage(request, replies)
        top = request.top_logprobs if request.logprobs else None
        body = completion(policy, replies, reasoning, usage, self.model_name(model), ctx.ids, top)
        return policy.encoder.encode(body).encode()

    def render_stream(self, request: ChatRequest, replies: list[Reply], model: str, ctx: RequestContext) -> StreamPlan:
        replies = self.shown_replies(self.framed(request, replies), ctx)
        policy = self.policy_for(request)
        usage = None if policy.stream_usage == "own_chunk" else last_chunk_usage(policy, request, replies)
        writer = self.chunk_writer(request, self.model_name(model), ctx, usage)
        reasoning = [self.reasoning(request, r, stream=True) for r in replies]
        return StreamPlan(SSE_MEDIA_TYPE, stream_frames(policy, writer, request, replies, reasoning), DONE)

    def render_models(self, model_ids: list[str], ctx: RequestContext) -> bytes:
        data = [model_object(m) for m in model_ids]
        return NATIVE.encode({"object": "list", "data": data}).encode()

    def render_model(self, model_id: str, ctx: RequestContext) -> bytes:
        return NATIVE.encode(model_object(model_id)).encode()

    def unknown_model(self, model_id: str, ctx: RequestContext) -> ApiError:
        message = f"The model `{model_id}` does not exist or you do not have access to it."
        return ApiError(404, message, code="model_not_found", details={"model": model_id})

    # --- reading answers back (`fakellm record`) ------------------------------------------------

    def parse_response(self, body: bytes) -> ReadBack | None:
        return parse_completion(body)

    def parse_stream(self, events: list[SseEvent]) -> ReadBack | None:
        return parse_chunks(events)

    def parse_error(self, body: bytes) -> ErrorText | None:
        return parse_error_body(body)

    # --- errors --------------------------------------------------------------------------------

    def error_object(self, error: ApiError, ctx: RequestContext) -> dict[str, Any]:
        """The inner `error` object; OpenAI's by default."""
        return error_object(error)

    def render_error(self, error: ApiError, ctx: RequestContext) -> ErrorResponse:
        body = self.policy.encoder.encode({"error": self.error_object(error, ctx)}).encode()
        return ErrorResponse(error.status, {"content-type": JSON_MEDIA_TYPE, **error.headers}, body)

    def render_stream_error(self, error: ApiError, request: ChatRequest, ctx: RequestContext) -> bytes:
        return f"data: {self.policy.encoder.encode({'error': self.error_object(error, ctx)})}\n\n".encode()
