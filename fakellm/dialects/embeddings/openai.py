"""Embeddings in OpenAI's shape: OpenAI's `/v1/embeddings`, Azure's deployment and v1 routes, and
Gemini's OpenAI-compatible `/v1beta/openai/embeddings`.

Each is its provider's chat dialect with other routes, another parser and another body; errors,
keys and headers are the chat dialect's.
"""

from __future__ import annotations

from typing import Any, ClassVar

from fakellm.context import RequestContext
from fakellm.dialects.azure import AzureDialect
from fakellm.dialects.base import Dialect, RouteSpec
from fakellm.dialects.embeddings.render import vectors
from fakellm.dialects.embeddings.request import OPENAI_DEFAULT, OPENAI_MODELS, EmbeddingOptions, lookup, parse_openai
from fakellm.dialects.embeddings.vectors import as_base64
from fakellm.dialects.gemini.openai_compat import GeminiOpenAIDialect
from fakellm.dialects.openai import OpenAIDialect
from fakellm.dialects.openai.encoding import NATIVE
from fakellm.errors import ApiError
from fakellm.frames import StreamPlan
from fakellm.model import ChatRequest, Reply


def embeddings_body(request: ChatRequest, replies: list[Reply], model: str, ctx: RequestContext) -> bytes:
    options = request.options_as(EmbeddingOptions)
    spec = lookup(OPENAI_MODELS, request.model, OPENAI_DEFAULT)
    data: list[dict[str, Any]] = []
    for index, vector in enumerate(vectors(options, spec, replies, ctx)):
        embedding: Any = as_base64(vector) if options.encoding == "base64" else vector
        data.append({"object": "embedding", "index": index, "embedding": embedding})
    tokens = sum(options.input_tokens)
    body = {"object": "list", "data": data, "model": model, "usage": {"prompt_tokens": tokens, "total_tokens": tokens}}
    return NATIVE.encode(body).encode()


def no_stream() -> ApiError:
    return ApiError(400, "Embeddings are not streamed.", param="stream")


class NotStreamed(Dialect):
    """What every embeddings dialect is besides its provider's chat dialect: routes of its own (no error
    prefixes: unknown paths stay the chat dialect's), and no streams."""

    error_prefixes: ClassVar[tuple[str, ...]] = ()
    streams: ClassVar[bool] = False

    def render_stream(self, request: ChatRequest, replies: list[Reply], model: str, ctx: RequestContext) -> StreamPlan:
        raise no_stream()


class OpenAIShaped(NotStreamed):
    """Embeddings answered in OpenAI's list-of-embeddings body."""

    def render_reply(self, request: ChatRequest, replies: list[Reply], model: str, ctx: RequestContext) -> bytes:
        return embeddings_body(request, replies, model, ctx)


class OpenAIEmbeddingsDialect(OpenAIShaped, OpenAIDialect):
    routes: ClassVar[tuple[RouteSpec, ...]] = (
        RouteSpec("POST", "/v1/embeddings", "chat"),
        RouteSpec("POST", "/embeddings", "chat"),
    )

    def parse(self, body: Any, ctx: RequestContext) -> ChatRequest:
        return parse_openai(body, self.name)


class AzureEmbeddingsDialect(OpenAIShaped, AzureDialect):
    routes: ClassVar[tuple[RouteSpec, ...]] = (
        RouteSpec("POST", r"/openai/deployments/(?P<deployment>[^/]+)/embeddings", "chat", regex=True),
        RouteSpec("POST", "/openai/v1/embeddings", "chat"),
    )

    def parse(self, body: Any, ctx: RequestContext) -> ChatRequest:
        deployment = ctx.path_params.get("deployment")
        if deployment is not None and not ctx.query.get("api-version"):
            raise ApiError(404, code="missing_api_version")
        return parse_openai(body, self.name, model=deployment)


class GeminiOpenAIEmbeddingsDialect(OpenAIShaped, GeminiOpenAIDialect):
    routes: ClassVar[tuple[RouteSpec, ...]] = (RouteSpec("POST", "/v1beta/openai/embeddings", "chat"),)

    def parse(self, body: Any, ctx: RequestContext) -> ChatRequest:
        return parse_openai(body, self.name)
