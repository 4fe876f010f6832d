"""fakellm: a reference fake LLM server for the OpenAI, Azure OpenAI, Gemini and Groq chat APIs.

The public names are below; every other module is internal. They are imported on first use, so
`import fakellm` (which pytest does for the plugin in every session) loads nothing heavy.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.2.0.dev0"

if TYPE_CHECKING:
    from fakellm.context import RequestContext
    from fakellm.journal import JournalEntry
    from fakellm.journal.view import Requests
    from fakellm.model import ChatRequest, Message, Reply, ToolCall
    from fakellm.scenarios import Outcome, Scenario
    from fakellm.scenarios.format import Rule
    from fakellm.testing.harness import FakeLLM, FakeLLMSurpriseError

# Public name -> the module that defines it.
_LAZY: dict[str, str] = {
    "FakeLLM": "fakellm.testing.harness",
    "FakeLLMSurpriseError": "fakellm.testing.harness",
    "Scenario": "fakellm.scenarios",
    "Outcome": "fakellm.scenarios",
    "Reply": "fakellm.model",
    "ChatRequest": "fakellm.model",
    "Message": "fakellm.model",
    "ToolCall": "fakellm.model",
    "RequestContext": "fakellm.context",
    "Requests": "fakellm.journal.view",
    "JournalEntry": "fakellm.journal",
    "Rule": "fakellm.scenarios.format",
}

__all__ = [
    "ChatRequest",
    "FakeLLM",
    "FakeLLMSurpriseError",
    "JournalEntry",
    "Message",
    "Outcome",
    "Reply",
    "RequestContext",
    "Requests",
    "Rule",
    "Scenario",
    "ToolCall",
    "__version__",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'fakellm' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
