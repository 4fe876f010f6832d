"""openai-agents end to end: an agent with an `output_type` and tools on `OpenAIChatCompletionsModel`,
a forced tool (`ModelSettings(tool_choice=...)`), as its users drive it."""

from __future__ import annotations

import pytest
from agents import (
    Agent,
    ModelSettings,
    OpenAIChatCompletionsModel,
    Runner,
    function_tool,
    set_tracing_disabled,
)
from openai import AsyncOpenAI
from pydantic import BaseModel, Field

from fakellm.testing.harness import FakeLLM


class Forecast(BaseModel):
    city: str
    temperature_c: int = Field(ge=-50, le=50)
    summary: str


@pytest.fixture(autouse=True)
def _no_tracing() -> None:
    set_tracing_disabled(True)  # tracing would try to upload to OpenAI


def agent(llm: FakeLLM, tool_choice: str | None = None) -> tuple[Agent[None], list[str]]:
    ran: list[str] = []

    @function_tool
    def get_weather(city: str) -> str:
        """The weather in a city."""
        ran.append("get_weather")
        return f"Sunny in {city}"

    @function_tool
    def get_time(tz: str) -> str:
        """The time in a time zone."""
        ran.append("get_time")
        return "12:00"

    client = AsyncOpenAI(base_url=llm.openai_base_url, api_key="sk-test", max_retries=0)
    made = Agent(
        name="forecaster",
        instructions="Be brief.",
        model=OpenAIChatCompletionsModel(model="gpt-4o", openai_client=client),
        tools=[get_weather, get_time],
        output_type=Forecast,
        model_settings=ModelSettings(tool_choice=tool_choice),
    )
    return made, ran


def test_the_output_type_is_parsed_from_a_structured_reply(llm: FakeLLM) -> None:
    made, ran = agent(llm)
    result = Runner.run_sync(made, "Weather in Paris?")
    assert isinstance(result.final_output, Forecast)
    assert ran == []
    request = llm.requests.last.request
    assert request is not None
    assert (request.output.kind, request.output.name) == ("json_schema", "final_output")


def test_a_forced_tool_runs_that_tool_then_the_output_comes(llm: FakeLLM) -> None:
    made, ran = agent(llm, tool_choice="get_time")
    result = Runner.run_sync(made, "Weather in Paris?")
    assert ran == ["get_time"]  # not the first tool, get_weather
    assert isinstance(result.final_output, Forecast)
