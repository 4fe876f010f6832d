"""pydantic-ai's `OpenAIResponsesModel` end to end: a tool round trip, then a streamed answer."""

from __future__ import annotations

import asyncio

from pydantic_ai import Agent
from pydantic_ai.models.openai import OpenAIResponsesModel
from pydantic_ai.providers.openai import OpenAIProvider

from fakellm import FakeLLM


def test_pydantic_ai_responses_model_with_a_tool_and_a_stream() -> None:
    with FakeLLM() as llm:
        model = OpenAIResponsesModel("gpt-4.1", provider=OpenAIProvider(base_url=llm.openai_base_url, api_key="k"))
        agent = Agent(model)
        cities: list[str] = []

        @agent.tool_plain
        def get_weather(city: str) -> str:
            cities.append(city)
            return f"sunny in {city}"

        async def run() -> tuple[str, list[str]]:
            llm.default_scenario = "tools"
            answer = (await agent.run("What is the weather?")).output
            llm.default_scenario = "echo"
            async with agent.run_stream("Repeat with me: streamed words here") as streamed:
                pieces = [piece async for piece in streamed.stream_text(delta=True)]
            return answer, pieces

        answer, pieces = asyncio.run(run())
        assert cities
        assert answer == f"The tool returned: sunny in {cities[0]}"
        assert "".join(pieces) == "streamed words here"
        assert [(e.path, e.status) for e in llm.requests] == [("/v1/responses", 200)] * 3
