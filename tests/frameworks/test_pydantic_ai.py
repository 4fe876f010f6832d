"""pydantic-ai end to end: an agent with an output type (its `final_result` output tool, sent with
`tool_choice=required`) and a function tool, through OpenAI, Groq and Google models, and `NativeOutput`
(a `json_schema` response format), as its users drive it."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel, Field
from pydantic_ai import Agent, NativeOutput
from pydantic_ai.models import Model
from pydantic_ai.models.google import GoogleModel
from pydantic_ai.models.groq import GroqModel
from pydantic_ai.models.openai import OpenAIChatModel
from pydantic_ai.providers.google import GoogleProvider
from pydantic_ai.providers.groq import GroqProvider
from pydantic_ai.providers.openai import OpenAIProvider

from fakellm.testing.harness import FakeLLM


class CityInfo(BaseModel):
    city: str
    country: str
    population: int = Field(ge=0)
    code: str = Field(pattern=r"^[A-Z]{3}$")


def openai_model(llm: FakeLLM) -> Model:
    return OpenAIChatModel("gpt-4o", provider=OpenAIProvider(base_url=llm.openai_base_url, api_key="sk-test"))


def groq_model(llm: FakeLLM) -> Model:
    return GroqModel("llama-3.3-70b-versatile", provider=GroqProvider(base_url=llm.groq_base_url, api_key="gsk-test"))


def google_model(llm: FakeLLM) -> Model:
    return GoogleModel("gemini-2.5-flash", provider=GoogleProvider(base_url=llm.gemini_base_url, api_key="AIza-test"))


@pytest.mark.parametrize("make", [openai_model, groq_model, google_model], ids=["openai", "groq", "google"])
def test_an_agent_calls_its_tool_then_returns_its_output_type(llm: FakeLLM, make: Any) -> None:
    agent = Agent(make(llm), output_type=CityInfo, instructions="Answer about cities.")
    asked: list[str] = []

    @agent.tool_plain
    def get_weather(city: str) -> str:
        """The weather in a city."""
        asked.append(city)
        return f"Sunny in {city}"

    result = agent.run_sync("Where is the Eiffel tower?")
    assert isinstance(result.output, CityInfo)
    assert len(result.output.code) == 3
    assert len(asked) == 1  # the function tool ran once, then the output tool ended the run
    first, last = llm.requests[0], llm.requests[-1]
    assert first.request is not None
    assert first.request.tool_choice.mode == "required"
    assert [c["name"] for c in first.tool_calls] == ["get_weather"]
    assert [c["name"] for c in last.tool_calls] == ["final_result"]


def test_native_output_uses_a_json_schema_response_format(llm: FakeLLM) -> None:
    agent = Agent(openai_model(llm), output_type=NativeOutput(CityInfo))
    result = agent.run_sync("Tell me about Paris.")
    assert isinstance(result.output, CityInfo)
    request = llm.requests.last.request
    assert request is not None
    assert request.output.kind == "json_schema"


def test_a_scenario_can_give_the_output_itself(llm: FakeLLM) -> None:
    llm.add_scenario(
        {
            "name": "paris",
            "rules": [
                {
                    "match": {"tool_choice": "required", "after_tool": False},
                    "reply": {
                        "tool_calls": [
                            {
                                "name": "final_result",
                                "arguments": {
                                    "city": "Paris",
                                    "country": "France",
                                    "population": 2100000,
                                    "code": "PAR",
                                },
                            }
                        ]
                    },
                }
            ],
        }
    )
    model = OpenAIChatModel("fakellm/paris", provider=OpenAIProvider(base_url=llm.openai_base_url, api_key="sk-test"))
    result = Agent(model, output_type=CityInfo).run_sync("Where is the Eiffel tower?")
    assert result.output == CityInfo(city="Paris", country="France", population=2100000, code="PAR")
