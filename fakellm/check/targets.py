"""What `fakellm check --dialect` knows of each provider: where its chat and model routes are, how its
client sends the key and the prompt, and what its real answers carry (headers on a 200, the answer to a
model it does not serve). The facts are those of wire-formats.md §6; nothing here is shared with the
server, which this command may not even be talking to."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fakellm.check.dialects import DEFAULT_MODELS
from fakellm.check.probe import SMOKE_PROMPT

# A model name no provider serves: the answer shows whether unknown models are refused as in production.
UNKNOWN_MODEL = "fakellm-check-no-such-model"


def _openai_body(model: str, stream: bool) -> dict[str, Any]:
    return {"model": model, "messages": [{"role": "user", "content": SMOKE_PROMPT}], "stream": stream}


def _gemini_body(model: str, stream: bool) -> dict[str, Any]:
    return {"contents": [{"role": "user", "parts": [{"text": SMOKE_PROMPT}]}]}


def _chat(url: str, model: str, stream: bool) -> str:
    return url.rstrip("/") + "/chat/completions"


def _generate(url: str, model: str, stream: bool) -> str:
    method = "streamGenerateContent?alt=sse" if stream else "generateContent"
    return f"{url.rstrip('/')}/models/{model}:{method}"


@dataclass(frozen=True, slots=True)
class Target:
    name: str
    default_model: str
    url_hint: str  # the base URL this dialect's check wants
    endpoint: Callable[[str, str, bool], str]  # (base URL, model, stream) -> the chat endpoint
    body: Callable[[str, bool], dict[str, Any]]
    key_header: str  # where the key goes; `authorization` takes `Bearer <key>`
    headers_on_200: tuple[str, ...]  # what the provider's answers carry
    not_found: str  # the code (OpenAI style) or status (Google style) of its unknown-model 404
    openai_shaped: bool = True

    def headers(self, key: str) -> dict[str, str]:
        value = f"Bearer {key}" if self.key_header == "authorization" else key
        return {self.key_header: value, "content-type": "application/json"}

    def models_url(self, url: str) -> str:
        return url.rstrip("/") + "/models"


TARGETS: dict[str, Target] = {
    "openai": Target(
        "openai",
        DEFAULT_MODELS["openai"],
        "http://host:8000/v1",
        _chat,
        _openai_body,
        "authorization",
        ("x-request-id", "openai-processing-ms", "x-ratelimit-limit-requests", "x-ratelimit-remaining-requests"),
        "model_not_found",
    ),
    "azure": Target(
        "azure",
        DEFAULT_MODELS["azure"],
        "http://host:8000/openai/v1 (or /azure/openai/v1)",
        _chat,
        _openai_body,
        "api-key",
        ("apim-request-id", "x-request-id", "x-ms-region", "x-ratelimit-limit-requests"),
        "DeploymentNotFound",
    ),
    "groq": Target(
        "groq",
        DEFAULT_MODELS["groq"],
        "http://host:8000/openai/v1",
        _chat,
        _openai_body,
        "authorization",
        ("x-request-id", "x-groq-region", "x-ratelimit-limit-requests", "x-ratelimit-limit-tokens"),
        "model_not_found",
    ),
    "gemini": Target(
        "gemini",
        DEFAULT_MODELS["gemini"],
        "http://host:8000/v1beta",
        _generate,
        _gemini_body,
        "x-goog-api-key",
        (),
        "NOT_FOUND",
        openai_shaped=False,
    ),
}
