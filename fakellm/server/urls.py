"""The base URL each client wants, given where the server listens."""

from __future__ import annotations

from fakellm.dialects import DIALECTS


def base_urls(root: str) -> dict[str, str]:
    """`root` is `http://host:port`; returns what to paste into each SDK (by dialect name) or platform."""
    root = root.rstrip("/")
    urls = {dialect.name: root + dialect.client_base_path for dialect in DIALECTS}
    urls.update((name, root + path) for dialect in DIALECTS for name, path in dialect.other_base_paths.items())
    urls["byo"] = root  # platforms that append /chat/completions themselves (Play.ai, AssemblyAI, LiveAvatar)
    return urls


def banner(root: str, scenarios: list[str]) -> str:
    urls = base_urls(root)
    lines = [
        f"fakellm is listening on {root}",
        "",
        f"  OpenAI SDK       base_url={urls['openai']}",
        f"  BYO platforms    {urls['openai']}  (base URL; the platform adds /chat/completions)",
        f"                   {urls['openai']}/chat/completions  (when it asks for the full endpoint URL)",
        f"                   {urls['byo']}  (when it adds /chat/completions without /v1)",
        f"  Azure OpenAI     azure_endpoint={urls['azure']}  (any api_version)",
        f"  Azure v1         base_url={urls['azure_v1']}  (a plain OpenAI client with a Bearer key)",
        f"  Gemini           base_url={urls['gemini']}  (google-genai HttpOptions)",
        f"  Gemini (OpenAI)  base_url={urls['gemini_openai']}",
        f"  Groq             base_url={urls['groq']}",
        f"  Responses API    base_url={urls['responses']}  (client.responses; Azure: azure_endpoint as above)",
        f"  Anthropic        base_url={urls['anthropic']}  (ANTHROPIC_BASE_URL; the SDK adds /v1/messages)",
        "  Embeddings       the same base URLs (client.embeddings, AzureOpenAI, google-genai embed_content)",
        f"  LiteLLM          api_base={urls['litellm_groq']} for groq/…, {urls['litellm_gemini']} for gemini/…",
        "",
        f"  scenarios: {', '.join(scenarios)}",
        f"  pick one with {root}/s/<scenario>/v1, the header X-FakeLLM-Scenario, or model 'fakellm/<scenario>'",
    ]
    return "\n".join(lines)


def startup_banner(root: str, scenarios: list[str], *, metrics: bool) -> str:
    """What `fakellm serve` prints: the banner, then where the dashboard and the metrics are (the
    plain-text `GET /` keeps the banner alone)."""
    lines = [
        banner(root, scenarios),
        "",
        f"  dashboard        {root}/  (open it in a browser: what to paste where, live requests)",
    ]
    if metrics:
        lines.append(f"  metrics          {root}/metrics  (Prometheus)")
    return "\n".join(lines)
