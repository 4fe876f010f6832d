"""The base URLs a test hands its clients, shared by `FakeLLM` and the cassette `Recorder`: each
official SDK's, LiteLLM's, and the environment variables that point the SDKs at a server."""

from __future__ import annotations

from abc import ABC, abstractmethod

# What each SDK reads for its base URL, and which of `base_urls()` it gets.
BASE_URL_VARIABLES = {
    "OPENAI_BASE_URL": "openai",
    "AZURE_OPENAI_ENDPOINT": "azure",
    "GOOGLE_GEMINI_BASE_URL": "gemini",
    "GROQ_BASE_URL": "groq",
    "ANTHROPIC_BASE_URL": "anthropic",
}


class ClientUrls(ABC):
    @abstractmethod
    def base_urls(self) -> dict[str, str]:
        """Each client's base URL, by dialect name (see `fakellm.server.urls.base_urls`)."""

    @property
    def openai_base_url(self) -> str:
        return self.base_urls()["openai"]

    @property
    def azure_endpoint(self) -> str:
        return self.base_urls()["azure"]

    @property
    def gemini_base_url(self) -> str:
        return self.base_urls()["gemini"]

    @property
    def groq_base_url(self) -> str:
        return self.base_urls()["groq"]

    @property
    def litellm_groq_base_url(self) -> str:
        """LiteLLM's `api_base` for `groq/…` models (the provider's full OpenAI-compatible base)."""
        return self.base_urls()["litellm_groq"]

    @property
    def litellm_gemini_base_url(self) -> str:
        """LiteLLM's `api_base` for `gemini/…` models (with the API version)."""
        return self.base_urls()["litellm_gemini"]

    @property
    def anthropic_base_url(self) -> str:
        """The server root: the anthropic SDK adds `/v1/messages` itself."""
        return self.base_urls()["anthropic"]

    def base_url_env(self) -> dict[str, str]:
        """The SDKs' base-URL environment variables (OPENAI_BASE_URL, AZURE_OPENAI_ENDPOINT,
        GOOGLE_GEMINI_BASE_URL, GROQ_BASE_URL, ANTHROPIC_BASE_URL)."""
        urls = self.base_urls()
        return {variable: urls[name] for variable, name in BASE_URL_VARIABLES.items()}
