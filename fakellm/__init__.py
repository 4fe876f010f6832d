"""fakellm: a reference fake LLM server for the OpenAI, Azure OpenAI, Gemini and Groq chat APIs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = ["FakeLLM", "FakeLLMSurpriseError", "JournalEntry", "__version__"]

if TYPE_CHECKING:
    from fakellm.harness import FakeLLM, FakeLLMSurpriseError
    from fakellm.journal import JournalEntry

_LAZY = {
    "FakeLLM": "fakellm.harness",
    "FakeLLMSurpriseError": "fakellm.harness",
    "JournalEntry": "fakellm.journal",
}


def __getattr__(name: str) -> Any:
    # Imported on first use: `import fakellm` (done by pytest for the plugin) stays cheap.
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'fakellm' has no attribute {name!r}")
