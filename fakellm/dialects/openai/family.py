"""What the OpenAI-style dialects (OpenAI, Azure, Groq, Gemini's OpenAI route) share.

Each sets a `Policy` and says how a reply's reasoning shows; the bodies and streams are built from
those by `chunks` and `stream`. Errors default to OpenAI's shape (`error_object`); models to
OpenAI's list.
"""

from __future__ import annotations

from typing import Any, ClassVar

from fakellm.context import RequestContext
from fakellm.dialects.base import Dialect, ErrorResponse
from fakellm.dialects.catalogue import Family, catalogue
from fakellm.dialects.openai.chunks import completion
from fakellm.dialects.openai.encoding import NATIVE
from fakellm.dialects.openai.errors import error_object
from fakellm.dialects.openai.policy import HIDDEN, Policy, Reasoning
from fakellm.dialects.openai.stream import last_chunk_usage, stream_frames
from fakellm.dialects.openai.writer import ChunkWriter
from fakellm.errors import ApiError
from fakellm.frames import StreamPlan
from fakellm.model import ChatRequest, Reply
from fakellm.tokens import reply_usage

SSE_MEDIA_TYPE = "text/event-stream; charset=utf-8"
JSON_MEDIA_TYPE = "application/json"
DONE = b"data: [DONE]\n\n"


def bearer_key(ctx: RequestContext) -> str | None:
    """The token of an `Authorization: Bearer …` header."""
    auth = ctx.header("authorization")
    if auth is None:
        return None
    scheme, _, token = auth.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


class OpenAIFamilyDialect(Dialect):
    policy: ClassVar[Policy]

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

    def shown_replies(self, replies: list[Reply], ctx: RequestContext) -> list[Reply]:
        """The replies as this provider shows them (Gemini's OpenAI route renames tool-call ids)."""
        return replies

    def render_reply(self, request: ChatRequest, replies: list[Reply], model: str, ctx: RequestContext) -> bytes:
        replies = self.shown_replies(replies, ctx)
        policy = self.policy_for(request)
        reasoning = [self.reasoning(request, r, stream=False) for r in replies]
        usage = reply_usage(request, replies)
        body = completion(policy, replies, reasoning, usage, self.model_name(model), ctx.ids)
        return policy.encoder.encode(body).encode()

    def render_stream(self, request: ChatRequest, replies: list[Reply], model: str, ctx: RequestContext) -> StreamPlan:
        replies = self.shown_replies(replies, ctx)
        policy = self.policy_for(request)
        usage = None if policy.stream_usage == "own_chunk" else last_chunk_usage(policy, request, replies)
        writer = self.chunk_writer(request, self.model_name(model), ctx, usage)
        reasoning = [self.reasoning(request, r, stream=True) for r in replies]
        return StreamPlan(SSE_MEDIA_TYPE, stream_frames(policy, writer, request, replies, reasoning), DONE)

    def render_models(self, model_ids: list[str], ctx: RequestContext) -> bytes:
        data = [{"id": m, "object": "model", "created": 1700000000, "owned_by": "fakellm"} for m in model_ids]
        return NATIVE.encode({"object": "list", "data": data}).encode()

    # --- errors --------------------------------------------------------------------------------

    def error_object(self, error: ApiError, ctx: RequestContext) -> dict[str, Any]:
        """The inner `error` object; OpenAI's by default."""
        return error_object(error)

    def render_error(self, error: ApiError, ctx: RequestContext) -> ErrorResponse:
        body = self.policy.encoder.encode({"error": self.error_object(error, ctx)}).encode()
        return ErrorResponse(error.status, {"content-type": JSON_MEDIA_TYPE, **error.headers}, body)

    def render_stream_error(self, error: ApiError, request: ChatRequest, ctx: RequestContext) -> bytes:
        return f"data: {self.policy.encoder.encode({'error': self.error_object(error, ctx)})}\n\n".encode()
