"""Embeddings: OpenAI's `/v1/embeddings` (and Azure's and Gemini's OpenAI-compatible twins) and
Gemini's `:embedContent` / `:batchEmbedContents`.

Vectors are deterministic for the same text (and `X-FakeLLM-Seed`), unit length where the provider
returns them so, and close for similar texts (`vectors`), so retrieval tests mean something. The
requests go through the ordinary path — scenarios (a rule's `embedding:` gives the vector), faults,
rate limits, keys and the journal — as any chat does.
"""

from __future__ import annotations

from fakellm.dialects.embeddings.gemini import GeminiEmbeddingsDialect
from fakellm.dialects.embeddings.openai import (
    AzureEmbeddingsDialect,
    GeminiOpenAIEmbeddingsDialect,
    OpenAIEmbeddingsDialect,
)

__all__ = [
    "AzureEmbeddingsDialect",
    "GeminiEmbeddingsDialect",
    "GeminiOpenAIEmbeddingsDialect",
    "OpenAIEmbeddingsDialect",
]
