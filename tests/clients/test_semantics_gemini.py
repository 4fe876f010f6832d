"""google-genai against a real fakellm server: `models.get`, `count_tokens`, function-calling modes and
`response_schema` reaching the neutral request, logprobs, and Google's shape for errors under `/v1/`."""

from __future__ import annotations

import httpx
import pytest
from google import genai
from google.genai import errors, types
from pydantic import BaseModel

from fakellm.model import ToolChoice
from fakellm.testing.server_thread import ServerThread
from tests.support.dialect_support import ANSWER, FixedScenario

MODEL = "gemini-2.5-flash"
WEATHER = types.FunctionDeclaration(name="get_weather", parameters_json_schema={"type": "object"})
TIME = types.FunctionDeclaration(name="get_time", parameters_json_schema={"type": "object"})
NO_AUTO = types.AutomaticFunctionCallingConfig(disable=True)


class City(BaseModel):
    name: str
    population: int
    tags: list[str]
    mayor: str | None = None


@pytest.fixture(scope="module")
def server(fixed_server: ServerThread) -> ServerThread:
    return fixed_server


def client_for(server: ServerThread, scenario: str = "text", version: str | None = None) -> genai.Client:
    options = types.HttpOptions(base_url=f"{server.url}/s/{scenario}", api_version=version)
    return genai.Client(api_key="AIza-test", http_options=options)


@pytest.mark.parametrize("version", [None, "v1beta"])
def test_models_get_reads_googles_model_resource(server: ServerThread, version: str | None) -> None:
    client = client_for(server, version=version)  # kept: a dropped client closes its connection pool
    model = client.models.get(model=MODEL)
    assert model.name == f"models/{MODEL}"
    assert model.display_name == MODEL
    assert model.input_token_limit == 1048576
    assert model.output_token_limit == 65536
    assert model.supported_actions is not None
    assert "countTokens" in model.supported_actions


@pytest.mark.parametrize("version", [None, "v1beta"])
def test_count_tokens_equals_the_prompt_count_generate_content_reports(
    server: ServerThread, version: str | None
) -> None:
    client = client_for(server, version=version)
    contents = ["Tell me about the blue sky and the green sea", "and the wind"]
    counted = client.models.count_tokens(model=MODEL, contents=contents)
    generated = client.models.generate_content(model=MODEL, contents=contents)
    assert generated.usage_metadata is not None
    assert counted.total_tokens == generated.usage_metadata.prompt_token_count
    assert counted.total_tokens is not None
    assert counted.total_tokens > 10


@pytest.mark.parametrize(
    ("config", "neutral"),
    [
        (types.FunctionCallingConfig(mode=types.FunctionCallingConfigMode.NONE), ToolChoice("none")),
        (types.FunctionCallingConfig(mode=types.FunctionCallingConfigMode.AUTO), ToolChoice("auto")),
        (types.FunctionCallingConfig(mode=types.FunctionCallingConfigMode.ANY), ToolChoice("required")),
        (
            types.FunctionCallingConfig(mode=types.FunctionCallingConfigMode.ANY, allowed_function_names=["get_time"]),
            ToolChoice("required", ("get_time",)),
        ),
    ],
)
def test_function_calling_modes_reach_the_neutral_request(
    server: ServerThread, scenarios: dict[str, FixedScenario], config: types.FunctionCallingConfig, neutral: ToolChoice
) -> None:
    tool_config = types.ToolConfig(function_calling_config=config)
    generate = types.GenerateContentConfig(
        tools=[types.Tool(function_declarations=[WEATHER, TIME])],
        tool_config=tool_config,
        automatic_function_calling=NO_AUTO,
    )
    client = client_for(server, "tool")
    client.models.generate_content(model=MODEL, contents="weather?", config=generate)
    assert scenarios["tool"].requests[-1].tool_choice == neutral


def test_an_allowed_name_that_was_not_declared_is_googles_400(server: ServerThread) -> None:
    config = types.FunctionCallingConfig(mode=types.FunctionCallingConfigMode.ANY, allowed_function_names=["nope"])
    generate = types.GenerateContentConfig(
        tools=[types.Tool(function_declarations=[WEATHER])],
        tool_config=types.ToolConfig(function_calling_config=config),
        automatic_function_calling=NO_AUTO,
    )
    client = client_for(server, "tool")
    with pytest.raises(errors.ClientError) as raised:
        client.models.generate_content(model=MODEL, contents="weather?", config=generate)
    assert raised.value.code == 400
    assert raised.value.status == "INVALID_ARGUMENT"


def test_response_schema_from_a_pydantic_model_becomes_the_output_format(
    server: ServerThread, scenarios: dict[str, FixedScenario]
) -> None:
    config = types.GenerateContentConfig(response_mime_type="application/json", response_schema=City)
    client = client_for(server)
    client.models.generate_content(model=MODEL, contents="A city, please", config=config)
    output = scenarios["text"].requests[-1].output
    assert output.kind == "json_schema"
    assert output.name == "City"
    assert output.schema is not None
    assert output.schema["type"] == "object"
    assert output.schema["required"] == ["name", "population", "tags"]
    assert output.schema["properties"]["population"]["type"] == "integer"
    assert output.schema["properties"]["mayor"]["type"] == ["string", "null"]


def test_logprobs_when_asked(server: ServerThread) -> None:
    config = types.GenerateContentConfig(response_logprobs=True, logprobs=2)
    client = client_for(server)
    response = client.models.generate_content(model=MODEL, contents="hi", config=config)
    assert response.candidates is not None
    candidate = response.candidates[0]
    result = candidate.logprobs_result
    assert result is not None
    assert result.chosen_candidates is not None
    assert result.top_candidates is not None
    assert "".join(c.token or "" for c in result.chosen_candidates) == ANSWER
    assert len(result.top_candidates) == len(result.chosen_candidates)
    for chosen, top in zip(result.chosen_candidates, result.top_candidates, strict=True):
        assert top.candidates is not None
        assert len(top.candidates) == 2
        assert top.candidates[0].token == chosen.token
        assert all((c.log_probability or 0) <= (chosen.log_probability or 0) for c in top.candidates)
    assert candidate.avg_logprobs is not None
    assert candidate.avg_logprobs < 0
    plain = client.models.generate_content(model=MODEL, contents="hi")
    assert plain.candidates is not None
    assert plain.candidates[0].logprobs_result is None


def test_logprobs_stream_with_each_chunk(server: ServerThread) -> None:
    config = types.GenerateContentConfig(response_logprobs=True, logprobs=1)
    client = client_for(server)
    chunks = list(client.models.generate_content_stream(model=MODEL, contents="hi", config=config))
    tokens = []
    for chunk in chunks:
        if chunk.text:
            result = chunk.candidates[0].logprobs_result  # type: ignore[index]
            assert result is not None
            assert result.chosen_candidates is not None
            assert [c.token for c in result.chosen_candidates] == [chunk.text]
            tokens.append(chunk.text)
    assert "".join(tokens) == ANSWER


def test_an_unknown_path_under_v1_from_google_genai_is_googles_404(server: ServerThread) -> None:
    response = httpx.get(server.url + "/v1/nothing", headers={"x-goog-api-key": "k"})
    assert response.status_code == 404
    assert response.json()["error"]["status"] == "NOT_FOUND"
    assert isinstance(response.json()["error"]["code"], int)
    openai_shaped = httpx.get(server.url + "/v1/nothing")
    assert openai_shaped.json()["error"]["type"] == "invalid_request_error"
