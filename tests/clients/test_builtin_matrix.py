"""Every built-in scenario, chosen by path, header and model name, answers in every dialect.

Requests are non-streaming (stream faults only touch streams) and ask for no latency, so the
whole matrix stays quick; the fault scenarios may refuse on purpose, in the dialect's own shape.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from fakellm.config import ServerConfig
from fakellm.server.app import FakeLLMApp
from fakellm.testing.server_thread import ServerThread

BUILTINS = ["echo", "lorem", "script", "tools", "reasoning", "slow", "flaky", "rate-limited",
            "midstream-error", "disconnect", "stall", "malformed"]  # fmt: skip
# What a scenario may answer instead of 200 (the fault it exists to show).
REFUSALS = {"flaky": 503, "rate-limited": 429}
FAST = {"X-FakeLLM-TTFT-Ms": "0", "X-FakeLLM-Tokens-Per-Second": "100000"}
CHAT = [{"role": "user", "content": "Repeat with me: hi"}]
GEMINI_BODY = {"contents": [{"role": "user", "parts": [{"text": "Repeat with me: hi"}]}]}
# dialect -> (path for a model, headers, body for a model); `{model}` may be `fakellm/<name>`.
DIALECTS = {
    "openai": ("/v1/chat/completions", {}, lambda model: {"model": model, "messages": CHAT}),
    "azure": (
        "/openai/deployments/{model}/chat/completions?api-version=2024-10-21",
        {"api-key": "k"},
        lambda model: {"messages": CHAT},
    ),
    "groq": ("/openai/v1/chat/completions", {}, lambda model: {"model": model, "messages": CHAT}),
    "gemini": ("/v1beta/models/{model}:generateContent", {"x-goog-api-key": "k"}, lambda model: GEMINI_BODY),
    "gemini_openai": ("/v1beta/openai/chat/completions", {}, lambda model: {"model": model, "messages": CHAT}),
    "responses": ("/v1/responses", {}, lambda model: {"model": model, "input": "Repeat with me: hi"}),
    "azure_responses": ("/openai/v1/responses", {"api-key": "k"}, lambda model: {"model": model, "input": "hi"}),
    "anthropic": (
        "/v1/messages",
        {"anthropic-version": "2023-06-01"},
        lambda model: {"model": model, "max_tokens": 100, "messages": CHAT},
    ),
}


@pytest.fixture(scope="module")
def server() -> Iterator[ServerThread]:
    thread = ServerThread(FakeLLMApp(ServerConfig())).start()
    yield thread
    thread.stop()


@pytest.mark.parametrize("how", ["path", "header", "model"])
@pytest.mark.parametrize("dialect", sorted(DIALECTS))
@pytest.mark.parametrize("name", BUILTINS)
def test_builtin_answers_when_chosen_this_way_in_this_dialect(server, name, dialect, how):
    path, headers, body = DIALECTS[dialect]
    model = f"fakellm/{name}" if how == "model" else "gpt-4o"
    url = server.url + (f"/s/{name}" if how == "path" else "") + path.format(model=model)
    sent = {**headers, **FAST, **({"X-FakeLLM-Scenario": name} if how == "header" else {})}
    server.app.pipeline.faults.reset()  # a fresh budget and counter for each combination

    response = httpx.post(url, json=body(model), headers=sent, timeout=10)

    entry = server.app.journal.entries()[-1]
    assert (entry.scenario, entry.dialect) == (name, dialect)
    assert response.status_code in (200, REFUSALS.get(name, 200)), response.text
    if response.status_code == 200:
        assert response.json()  # a complete JSON body in the dialect's shape
