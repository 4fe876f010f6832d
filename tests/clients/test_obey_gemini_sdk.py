"""The obey stage through google-genai: `response_schema` with a pydantic model gives a parsed object,
`function_calling_config` modes decide the calls, and `stop_sequences` end the text."""

from __future__ import annotations

from typing import Literal

import pytest
from google import genai
from google.genai import types
from pydantic import BaseModel, Field

from fakellm.testing.harness import FakeLLM


class Recipe(BaseModel):
    name: str
    minutes: int = Field(ge=1, le=240)
    course: Literal["starter", "main", "dessert"]
    ingredients: list[str]


WEATHER = types.FunctionDeclaration(
    name="get_weather",
    parameters=types.Schema(type=types.Type.OBJECT, properties={"city": types.Schema(type=types.Type.STRING)}),
)
TIME = types.FunctionDeclaration(
    name="get_time",
    parameters=types.Schema(
        type=types.Type.OBJECT, properties={"tz": types.Schema(type=types.Type.STRING)}, required=["tz"]
    ),
)


@pytest.fixture
def client(llm: FakeLLM) -> genai.Client:
    return genai.Client(api_key="AIza-test", http_options=types.HttpOptions(base_url=llm.gemini_base_url))


def test_response_schema_gives_a_parsed_pydantic_object(client: genai.Client) -> None:
    config = types.GenerateContentConfig(response_mime_type="application/json", response_schema=Recipe)
    response = client.models.generate_content(model="gemini-2.5-flash", contents="A quick pasta?", config=config)
    assert isinstance(response.parsed, Recipe)
    assert Recipe.model_validate_json(response.text or "") == response.parsed


def test_response_schema_streams_json_valid_for_it(client: genai.Client) -> None:
    config = types.GenerateContentConfig(response_mime_type="application/json", response_schema=Recipe)
    chunks = client.models.generate_content_stream(model="gemini-2.5-flash", contents="A quick pasta?", config=config)
    assert Recipe.model_validate_json("".join(chunk.text or "" for chunk in chunks))


def calls(client: genai.Client, mode: types.FunctionCallingConfigMode, names: list[str] | None = None) -> list[str]:
    config = types.GenerateContentConfig(
        tools=[types.Tool(function_declarations=[WEATHER, TIME])],
        tool_config=types.ToolConfig(
            function_calling_config=types.FunctionCallingConfig(mode=mode, allowed_function_names=names)
        ),
        automatic_function_calling=types.AutomaticFunctionCallingConfig(disable=True),
    )
    response = client.models.generate_content(model="gemini-2.5-flash", contents="Time in Paris?", config=config)
    return [call.name or "" for call in response.function_calls or []]


def test_any_with_an_allowed_name_calls_that_function(client: genai.Client) -> None:
    assert calls(client, types.FunctionCallingConfigMode.ANY, ["get_time"]) == ["get_time"]


def test_any_calls_a_function_even_when_the_scenario_answers_in_text(client: genai.Client) -> None:
    assert calls(client, types.FunctionCallingConfigMode.ANY) == ["get_weather"]


def test_none_calls_no_function(client: genai.Client) -> None:
    assert calls(client, types.FunctionCallingConfigMode.NONE) == []


def test_stop_sequences_end_the_text(client: genai.Client) -> None:
    config = types.GenerateContentConfig(stop_sequences=["STOP"])
    response = client.models.generate_content(model="gemini-2.5-flash", contents="go on STOP here", config=config)
    assert response.text == "go on "
