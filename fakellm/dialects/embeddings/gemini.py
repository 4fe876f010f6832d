"""Gemini's `models/{model}:embedContent` and `:batchEmbedContents`.

`embedContent` answers `{"embedding": {"values": […]}}`; `batchEmbedContents` (what google-genai's
`embed_content` calls) answers `{"embeddings": [{"values": […]}, …]}`.
"""

from __future__ import annotations

from typing import Any, ClassVar

from fakellm.context import RequestContext
from fakellm.dialects.base import RouteSpec
from fakellm.dialects.embeddings.openai import NotStreamed
from fakellm.dialects.embeddings.render import vectors
from fakellm.dialects.embeddings.request import GEMINI_DEFAULT, GEMINI_MODELS, EmbeddingOptions, lookup, parse_gemini
from fakellm.dialects.gemini import GeminiDialect
from fakellm.dialects.gemini.errors import pretty
from fakellm.model import ChatRequest, Reply


class GeminiEmbeddingsDialect(NotStreamed, GeminiDialect):
    routes: ClassVar[tuple[RouteSpec, ...]] = (
        RouteSpec(
            "POST",
            r"/(?P<version>v1beta|v1alpha|v1)/models/(?P<model>[^:]+):(?P<method>embedContent|batchEmbedContents)",
            "chat",
            regex=True,
        ),
    )

    def parse(self, body: Any, ctx: RequestContext) -> ChatRequest:
        batch = ctx.path_params.get("method") == "batchEmbedContents"
        return parse_gemini(body, ctx.path_params.get("model", ""), batch=batch)

    def render_reply(self, request: ChatRequest, replies: list[Reply], model: str, ctx: RequestContext) -> bytes:
        options = request.options_as(EmbeddingOptions)
        spec = lookup(GEMINI_MODELS, request.model, GEMINI_DEFAULT)
        found = [{"values": vector} for vector in vectors(options, spec, replies, ctx)]
        body: dict[str, Any] = {"embeddings": found} if options.batch else {"embedding": found[0]}
        return (pretty(body) + "\n").encode()
