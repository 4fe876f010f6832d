"""What to paste into which field of each bring-your-own-LLM platform (the Connect panel).

From the platforms' own documents (see the README's "Bring-your-own-LLM platforms"): Play.ai,
AssemblyAI voice agents, LiveAvatar (FULL mode), Beyond Presence and Anam's four specs. Every
value is a template: `{base}` is the base URL (the server's root, or the root with `/s/<scenario>`
when a scenario is picked), `{model}` the model name to send, `{key}` the key. The paths after
`{base}` come from the dialects' own routes, so they follow the registry.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fakellm.dialects import Dialect
from fakellm.observe.connect import PLACEHOLDER, chat_base


def _field(name: str, value: str, note: str = "") -> dict[str, str]:
    return {"field": name, "value": value, "note": note}


def platform_rows(dialects: Sequence[type[Dialect]]) -> list[dict[str, Any]]:
    by_name = {d.name: d for d in dialects}

    def chat(name: str, default: str) -> str:
        dialect = by_name.get(name)
        found = chat_base(dialect) if dialect is not None else None
        return PLACEHOLDER + (found if found is not None else default)

    def base(name: str) -> str:
        dialect = by_name.get(name)
        return PLACEHOLDER + (dialect.client_base_path if dialect is not None else "")

    openai, groq = chat("openai", "/v1"), chat("groq", "/openai/v1")
    azure, gemini = base("azure"), base("gemini")
    return [
        {
            "name": "Play.ai",
            "where": "Update Agent (PATCH https://api.play.ai/api/v1/agents/{agentId}) or Create Agent: the llm object",
            "calls": "POST {baseURL}/chat/completions, Bearer key, stream: true",
            "fields": [
                _field("llm.baseURL", PLACEHOLDER, "Play.ai appends /chat/completions"),
                _field("llm.apiKey", "{key}"),
            ],
            "note": "Play.ai tests the endpoint before it saves the agent (Repeat with me: the smoke test has "
            "passed.); the echo scenario passes it. It must be a public https URL.",
        },
        {
            "name": "AssemblyAI",
            "where": "Voice agent create or update: one entry of the llm array",
            "calls": "POST {base_url}/chat/completions, streamed",
            "fields": [
                _field("llm[0].base_url", openai, "https and a public host only"),
                _field("llm[0].model", "{model}"),
                _field("llm[0].api_key", "{key}"),
            ],
            "note": "A slow or rate-limited model shows up as reply latency: try the slow and rate-limited scenarios.",
        },
        {
            "name": "LiveAvatar",
            "where": "FULL mode: POST /v1/secrets, then POST /v1/llm_configurations, then its id in the session token",
            "calls": "base_url + the OpenAI /chat/completions route, model_name",
            "fields": [
                _field("secret_value (secret_type LLM_API_KEY)", "{key}"),
                _field("base_url", PLACEHOLDER, "fakellm answers /chat/completions and /v1/chat/completions"),
                _field("model_name", "{model}", "fakellm/<scenario> picks a scenario by model name"),
            ],
            "note": "",
        },
        {
            "name": "Beyond Presence",
            "where": "Create External API Configuration, then reference it when creating the agent",
            "calls": "OpenAI chat completions with SSE",
            "fields": [
                _field("base URL", openai),
                _field("model", "{model}"),
                _field("API key", "{key}", "an empty string is accepted unless fakellm runs with --api-key"),
            ],
            "note": "",
        },
        {
            "name": "Anam (OpenAI spec)",
            "where": "Anam Lab, Custom LLMs (or the API): OpenAI API specification",
            "calls": "POST /v1/chat/completions, Bearer key, stream: true",
            "fields": [
                _field("endpoint (base URL)", openai),
                _field("full endpoint URL", openai + "/chat/completions", "if it asks for the whole URL"),
                _field("model", "{model}"),
                _field("API key", "{key}"),
            ],
            "note": "Anam sends small probe prompts (~1500 tokens) to pick the fastest endpoint.",
        },
        {
            "name": "Anam (Azure OpenAI spec)",
            "where": "Anam Lab, Custom LLMs: Azure OpenAI API specification",
            "calls": "POST /openai/deployments/{deployment}/chat/completions?api-version=…, api-key header",
            "fields": [
                _field("endpoint", azure),
                _field("deployment", "{model}", "any name"),
                _field(
                    "full endpoint URL",
                    azure + "/openai/deployments/{model}/chat/completions?api-version=2024-02-01",
                    "if it asks for the whole URL",
                ),
                _field("api-key", "{key}"),
            ],
            "note": "",
        },
        {
            "name": "Anam (Gemini spec)",
            "where": "Anam Lab, Custom LLMs: Gemini API specification",
            "calls": "POST /v1beta/models/{model}:streamGenerateContent, x-goog-api-key",
            "fields": [
                _field("endpoint (base URL)", gemini),
                _field(
                    "full endpoint URL",
                    gemini + "/v1beta/models/{model}:streamGenerateContent",
                    "if it asks for the whole URL",
                ),
                _field("model", "{model}"),
                _field("API key", "{key}"),
            ],
            "note": "",
        },
        {
            "name": "Anam (Groq OpenAI spec)",
            "where": "Anam Lab, Custom LLMs: Groq OpenAI API specification",
            "calls": "POST /openai/v1/chat/completions, Bearer key, reasoning_format: parsed",
            "fields": [
                _field("endpoint (base URL)", groq),
                _field("full endpoint URL", groq + "/chat/completions", "if it asks for the whole URL"),
                _field("model", "{model}", "the reasoning scenario streams delta.reasoning"),
                _field("API key", "{key}"),
            ],
            "note": "",
        },
    ]
