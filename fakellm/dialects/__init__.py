"""The provider dialects fakellm speaks. Order matters where two dialects share a path:
the first whose `claims()` accepts the request answers it. Azure comes before Groq because
`/openai/v1/chat/completions` is both Azure's v1 route and Groq's: a request carrying an
`api-key` header is Azure's, any other Groq's (the last candidate is the fallback). The
Gemini OpenAI-compatible dialect comes before native Gemini so that unknown paths under
`/v1beta/openai/` are answered in its error shape."""

from __future__ import annotations

from fakellm.dialects.azure import AzureDialect
from fakellm.dialects.base import Dialect, ErrorResponse, RouteSpec
from fakellm.dialects.gemini import GeminiDialect
from fakellm.dialects.gemini_openai import GeminiOpenAIDialect
from fakellm.dialects.groq import GroqDialect
from fakellm.dialects.openai import OpenAIDialect


def all_dialects() -> list[Dialect]:
    return [OpenAIDialect(), AzureDialect(), GroqDialect(), GeminiOpenAIDialect(), GeminiDialect()]


__all__ = ["Dialect", "ErrorResponse", "RouteSpec", "all_dialects"]
