"""The journal shows how a reply was changed to obey the request, over HTTP and in failure summaries."""

from __future__ import annotations

import httpx

from fakellm.testing.harness import FakeLLM

TOOLS = [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}]


def test_the_adjustments_are_journaled_and_published() -> None:
    with FakeLLM() as llm:
        body = {
            "model": "fakellm/tools",
            "messages": [{"role": "user", "content": "Hi. More."}],
            "tools": TOOLS,
            "tool_choice": "none",
            "stop": ["."],
        }
        reply = httpx.post(f"{llm.url}/v1/chat/completions", json=body, timeout=10).json()
        entry = llm.requests.last
        published = httpx.get(f"{llm.url}/_fakellm/requests", timeout=10).json()
    assert reply["choices"][0]["message"].get("tool_calls") in (None, [])
    assert entry.adjustments[0].startswith("tool_choice none: dropped the tool call(s) get_weather")
    assert any(note.startswith("stop: ") for note in entry.adjustments)
    assert "adjusted: tool_choice none" in entry.summary()
    assert published["data"][-1]["adjustments"] == entry.adjustments


def test_a_request_that_asks_nothing_has_no_adjustments() -> None:
    with FakeLLM() as llm:
        body = {"model": "m", "messages": [{"role": "user", "content": "x"}]}
        httpx.post(f"{llm.url}/v1/chat/completions", json=body, timeout=10)
        assert llm.requests.last.adjustments == []
        assert "adjusted" not in llm.requests.last.summary()
