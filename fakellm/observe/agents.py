"""Who sent a request, told from its `User-Agent` (and the SDKs' own client headers) where it can be.

The official SDKs name themselves (`OpenAI/Python 1.x`, `Groq/Python`, `google-genai-sdk/…`); the
platforms mostly send a generic HTTP library's name, which is shown as it is.
"""

from __future__ import annotations

import re

# (pattern on the user agent, lower-cased; what to call it). First match wins.
KNOWN: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), label)
    for pattern, label in (
        (r"^fakellm-check/", "fakellm check"),
        (r"^fakellm-dashboard", "dashboard (Try it)"),
        (r"azureopenai/python", "openai SDK (AzureOpenAI, Python)"),
        (r"^asyncopenai/python|^openai/python", "openai SDK (Python)"),
        (r"^openai/js", "openai SDK (JavaScript)"),
        (r"^asyncgroq/python|^groq/python", "groq SDK (Python)"),
        (r"^groq/js", "groq SDK (JavaScript)"),
        (r"^anthropic/python|^asyncanthropic/python", "anthropic SDK (Python)"),
        (r"^anthropic/js", "anthropic SDK (JavaScript)"),
        (r"google-genai-sdk/", "google-genai SDK"),
        (r"^langchain|langchain", "LangChain"),
        (r"pydantic-ai", "Pydantic AI"),
        (r"^curl/", "curl"),
        (r"^python-httpx/", "httpx"),
        (r"^python-requests/", "requests"),
        (r"^aiohttp|python/[0-9.]+ aiohttp", "aiohttp"),
        (r"^axios/", "axios (Node.js)"),
        (r"^node|undici", "Node.js fetch"),
        (r"^go-http-client/", "Go net/http"),
        (r"mozilla/", "a browser"),
    )
)
MAX_SHOWN = 80


def agent_of(headers: dict[str, str]) -> str:
    """A short name for the client that sent `headers` (lower-case names), or its user agent as sent."""
    agent = headers.get("user-agent", "").strip()
    google = headers.get("x-goog-api-client", "").lower()
    if "google-genai-sdk/" in google:
        return "google-genai SDK"
    lowered = agent.lower()
    for pattern, label in KNOWN:
        if pattern.search(lowered):
            if label == "openai SDK (Python)" and "x-stainless-lang" in headers and "api-key" in headers:
                return "openai SDK (AzureOpenAI, Python)"
            return label
    if not agent:
        return "unknown (no user agent)"
    return agent if len(agent) <= MAX_SHOWN else agent[:MAX_SHOWN] + "…"
