"""fakellm: a reference fake LLM server for the OpenAI, Azure OpenAI, Gemini and Groq chat APIs."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
