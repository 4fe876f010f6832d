"""Agent frameworks over the Anthropic dialect, driven as their users drive them: pydantic-ai's
`Agent("anthropic:…")` (from the environment, and with an `AnthropicProvider`) running a tool, and
LangChain's `ChatAnthropic` invoking, streaming and calling a bound tool."""

from __future__ import annotations

import asyncio
import typing
from collections.abc import Iterator

import pytest
from anthropic.types.beta import BetaMessageParam
from langchain_anthropic import ChatAnthropic
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from pydantic import SecretStr
from pydantic_ai import Agent
from pydantic_ai.models.anthropic import AnthropicModel
from pydantic_ai.providers.anthropic import AnthropicProvider
from pydantic_ai.tools import Tool

from fakellm.testing.harness import FakeLLM

MODEL = "claude-sonnet-4-5"
# pydantic-ai builds each message by calling `BetaMessageParam(...)`; from anthropic 2.x on that name is a
# Union of TypedDicts, which cannot be called, so pydantic-ai's Anthropic model fails before sending.
PYDANTIC_AI_BROKEN = typing.get_origin(BetaMessageParam) is typing.Union
needs_pydantic_ai = pytest.mark.skipif(
    PYDANTIC_AI_BROKEN,
    reason="the installed pydantic-ai cannot build a request with the installed anthropic SDK "
    "(BetaMessageParam is a Union): a client-side incompatibility, not the server's",
)


@pytest.fixture(scope="module")
def llm() -> Iterator[FakeLLM]:
    with FakeLLM(api_key="sk-ant-framework-test") as server:
        yield server


def weather_tool(calls: list[str]) -> Tool[None]:
    def get_weather(city: str) -> str:
        """The weather in a city."""
        calls.append(city)
        return f"Sunny in {city}"

    return Tool(get_weather)


@needs_pydantic_ai
def test_pydantic_ai_agent_from_the_environment_runs_a_tool(llm: FakeLLM, monkeypatch: pytest.MonkeyPatch) -> None:
    llm.clear()
    env = llm.env()
    monkeypatch.setenv("ANTHROPIC_BASE_URL", llm.base_urls("tools")["anthropic"])
    monkeypatch.setenv("ANTHROPIC_API_KEY", env["ANTHROPIC_API_KEY"])
    calls: list[str] = []
    agent = Agent(f"anthropic:{MODEL}", tools=[weather_tool(calls)])
    result = agent.run_sync("What's the weather in Paris?")
    assert len(calls) == 1
    assert result.output == f"The tool returned: Sunny in {calls[0]}"
    assert [e.rule for e in llm.requests] == ["call-first-tool", "answer-with-result"]
    assert {e.dialect for e in llm.requests} == {"anthropic"}
    usage = result.usage
    assert usage.input_tokens > 0
    assert usage.output_tokens > 0


@needs_pydantic_ai
def test_pydantic_ai_anthropic_provider_streams(llm: FakeLLM) -> None:
    provider = AnthropicProvider(base_url=llm.anthropic_base_url, api_key=llm.api_key)
    agent = Agent(AnthropicModel(MODEL, provider=provider))

    async def main() -> list[str]:
        async with agent.run_stream("Repeat with me: the smoke test has passed.") as run:
            return [text async for text in run.stream_text(delta=True)]

    pieces = asyncio.run(main())
    assert "".join(pieces) == "the smoke test has passed."
    assert llm.requests.last.stream


def test_langchain_chat_anthropic_invokes_streams_and_calls_a_tool(llm: FakeLLM) -> None:
    chat = ChatAnthropic(  # type: ignore[call-arg]
        model=MODEL, base_url=llm.anthropic_base_url, api_key=SecretStr(llm.api_key), max_retries=0, max_tokens=256
    )
    reply = chat.invoke("Repeat with me: blue sky")
    assert reply.content == "blue sky"
    assert reply.usage_metadata is not None
    assert reply.usage_metadata["output_tokens"] == 2
    streamed = "".join(str(chunk.content) for chunk in chat.stream("Repeat with me: blue sky") if chunk.content)
    assert "blue sky" in streamed

    def get_weather(city: str) -> str:
        """The weather in a city."""
        return f"Sunny in {city}"

    tooled = ChatAnthropic(  # type: ignore[call-arg]
        model=MODEL,
        base_url=llm.base_urls("tools")["anthropic"],
        api_key=SecretStr(llm.api_key),
        max_retries=0,
        max_tokens=256,
    ).bind_tools([get_weather])
    ask = HumanMessage("What's the weather in Paris?")
    first = tooled.invoke([ask])
    assert isinstance(first, AIMessage)
    assert len(first.tool_calls) == 1
    call = first.tool_calls[0]
    assert call["name"] == "get_weather"
    assert call["id"] is not None
    assert call["id"].startswith("toolu_01")
    result = ToolMessage(get_weather(**call["args"]), tool_call_id=call["id"])
    second = tooled.invoke([ask, first, result])
    assert second.content == f"The tool returned: {result.content}"
