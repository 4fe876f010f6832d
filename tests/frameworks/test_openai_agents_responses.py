"""openai-agents end to end with its default model (the Responses API): one tool call round trip."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import openai
import pytest
from agents import Agent, Runner, function_tool, set_default_openai_api, set_default_openai_client, set_tracing_disabled

from fakellm import FakeLLM

CALLS: list[str] = []


@function_tool
def get_weather(city: str) -> str:
    """The weather in a city."""
    CALLS.append(city)
    return f"sunny in {city}"


@pytest.fixture
def llm() -> Iterator[FakeLLM]:
    with FakeLLM() as fake:
        yield fake


def test_agent_calls_a_tool_and_answers_with_its_result(llm: FakeLLM) -> None:
    CALLS.clear()
    set_tracing_disabled(True)
    set_default_openai_api("responses")  # the SDK's default, stated so a change of default shows here
    set_default_openai_client(openai.AsyncOpenAI(base_url=llm.openai_base_url, api_key="sk-test", max_retries=0))
    agent = Agent(name="weather", instructions="Use the tool.", tools=[get_weather], model=None)

    async def run() -> str:
        result = await Runner.run(agent, "fakellm/tools: what is the weather?")
        return str(result.final_output)

    llm.default_scenario = "tools"
    answer = asyncio.run(run())
    assert len(CALLS) == 1
    assert answer == f"The tool returned: sunny in {CALLS[0]}"
    paths = [entry.path for entry in llm.requests]
    assert paths == ["/v1/responses", "/v1/responses"]
    assert all(entry.dialect == "responses" and entry.status == 200 for entry in llm.requests)
