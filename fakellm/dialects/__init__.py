"""The provider dialects fakellm speaks, in the order the router consults them.

Where two dialects share a path, the first whose `claims()` accepts the request answers it:
- `/openai/v1/chat/completions` is Azure's v1 route and Groq's: with an `api-key` header it is
  Azure's, otherwise Groq's. So is `/openai/v1/embeddings`, which Groq refuses with its 404.
- `GET /v1/models` is OpenAI's and (since google-genai 3 defaults to API version v1) Gemini's:
  with a Google key (`x-goog-api-key`, `?key=`) or `x-goog-api-client` it is Gemini's.
- The Responses API has paths of its own: `/v1/responses…` (and bare `/responses…`) are OpenAI's,
  `/openai/v1/responses…` and `/openai/responses…` Azure's (Groq's Responses route is not served).
- `GET /v1/models` (and `/v1/models/{id}`) is also Anthropic's: with an `anthropic-version` header
  (every Anthropic client sends one; anthropic SDK 2.x sends its key as a Bearer token like
  OpenAI's, so the key header cannot tell) it is Anthropic's.
An unknown path is answered in the shape of the first dialect with a matching error prefix, so
the more specific prefixes come first (`/v1beta/openai/` before `/v1beta/`) and OpenAI, whose
prefix is `/`, comes last."""

from __future__ import annotations

from fakellm.dialects.anthropic import AnthropicDialect
from fakellm.dialects.azure import AzureDialect
from fakellm.dialects.base import Dialect, ErrorResponse, RouteSpec
from fakellm.dialects.embeddings import (
    AzureEmbeddingsDialect,
    GeminiEmbeddingsDialect,
    GeminiOpenAIEmbeddingsDialect,
    OpenAIEmbeddingsDialect,
)
from fakellm.dialects.gemini import GeminiDialect
from fakellm.dialects.gemini.openai_compat import GeminiOpenAIDialect
from fakellm.dialects.groq import GroqDialect
from fakellm.dialects.openai import OpenAIDialect
from fakellm.dialects.responses import AzureResponsesDialect, ResponsesDialect

DIALECTS: tuple[type[Dialect], ...] = (
    GeminiOpenAIDialect,
    GeminiDialect,
    AzureDialect,
    # Embeddings share their provider's name, keys and errors, on routes of their own.
    AzureEmbeddingsDialect,
    GroqDialect,
    GeminiOpenAIEmbeddingsDialect,
    GeminiEmbeddingsDialect,
    OpenAIEmbeddingsDialect,
    AzureResponsesDialect,
    ResponsesDialect,
    AnthropicDialect,
    OpenAIDialect,
)


def all_dialects() -> list[Dialect]:
    return [dialect() for dialect in DIALECTS]


def key_headers() -> frozenset[str]:
    """Every header in which some provider's client sends its key."""
    return frozenset(name for dialect in DIALECTS for name in dialect.key_headers)


def key_query_params() -> frozenset[str]:
    """Every query parameter in which some provider's client sends its key."""
    return frozenset(name for dialect in DIALECTS for name in dialect.key_query_params)


__all__ = [
    "DIALECTS",
    "Dialect",
    "ErrorResponse",
    "RouteSpec",
    "all_dialects",
    "key_headers",
    "key_query_params",
]
