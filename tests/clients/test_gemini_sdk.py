"""google-genai against a real fakellm server: generateContent, SSE streams, history, tools, errors."""

from __future__ import annotations

import pytest
from google import genai
from google.genai import errors, types

from fakellm.context import RequestContext
from fakellm.dialects.gemini import GeminiDialect
from fakellm.errors import ApiError
from fakellm.frames import Frame, StreamPlan
from fakellm.model import ChatRequest, Reply
from fakellm.server.app import FakeLLMApp
from fakellm.server.router import Router
from fakellm.testing.server_thread import ServerThread
from tests.support.dialect_support import ANSWER, REASONING, TOOL_CALL, FixedScenario, start_server

MODEL = "gemini-2.5-flash"


@pytest.fixture(scope="module")
def server(fixed_server: ServerThread) -> ServerThread:
    return fixed_server


def client_for(url: str, key: str = "AIza-test") -> genai.Client:
    return genai.Client(api_key=key, http_options=types.HttpOptions(base_url=url))


@pytest.fixture
def client(server: ServerThread) -> genai.Client:
    return client_for(server.url)


def test_generate_content_returns_the_text(client: genai.Client) -> None:
    response = client.models.generate_content(model=MODEL, contents="Repeat with me: blue sky")
    assert response.text == "blue sky"
    assert response.model_version == MODEL
    assert response.response_id
    assert response.candidates is not None
    assert response.candidates[0].finish_reason == types.FinishReason.STOP
    assert response.usage_metadata is not None
    assert response.usage_metadata.candidates_token_count == 2


def test_generate_content_stream_returns_the_text_with_cumulative_usage(client: genai.Client) -> None:
    chunks = list(client.models.generate_content_stream(model=MODEL, contents="Repeat with me: the blue sky"))
    assert "".join(c.text or "" for c in chunks) == "the blue sky"
    counts = [c.usage_metadata.candidates_token_count for c in chunks if c.usage_metadata]
    assert counts == sorted(counts)
    assert counts[-1] == 3
    assert chunks[-1].candidates[0].finish_reason == types.FinishReason.STOP  # type: ignore[index]


def test_system_instruction_and_history_reach_the_neutral_request(
    server: ServerThread, scenarios: dict[str, FixedScenario]
) -> None:
    client = client_for(f"{server.url}/s/text")
    history = [
        types.Content(role="user", parts=[types.Part(text="My name is Ada.")]),
        types.Content(role="model", parts=[types.Part(text="Hello Ada.")]),
        types.Content(role="user", parts=[types.Part(text="What is my name?")]),
    ]
    response = client.models.generate_content(
        model=MODEL, contents=history, config=types.GenerateContentConfig(system_instruction="Be brief.")
    )
    assert response.text == ANSWER
    request = scenarios["text"].requests[-1]
    assert [(m.role, m.text) for m in request.messages] == [
        ("system", "Be brief."),
        ("user", "My name is Ada."),
        ("assistant", "Hello Ada."),
        ("user", "What is my name?"),
    ]


def test_function_declarations_reach_the_request_and_a_call_comes_back(
    server: ServerThread, scenarios: dict[str, FixedScenario]
) -> None:
    client = client_for(f"{server.url}/s/tool")
    declaration = types.FunctionDeclaration(
        name="get_weather",
        description="Weather for a city",
        parameters=types.Schema(type=types.Type.OBJECT, properties={"city": types.Schema(type=types.Type.STRING)}),
    )
    response = client.models.generate_content(
        model=MODEL,
        contents="Weather in Paris?",
        config=types.GenerateContentConfig(tools=[types.Tool(function_declarations=[declaration])]),
    )
    tools = scenarios["tool"].requests[-1].tools
    assert [(t.name, t.description) for t in tools] == [("get_weather", "Weather for a city")]
    assert "city" in tools[0].parameters["properties"]
    calls = response.function_calls
    assert calls is not None
    assert calls[0].name == TOOL_CALL.name
    assert calls[0].args == {"city": "Paris", "unit": "celsius"}


def test_function_response_in_history_becomes_a_tool_message(
    server: ServerThread, scenarios: dict[str, FixedScenario]
) -> None:
    client = client_for(f"{server.url}/s/text")
    contents = [
        types.Content(role="user", parts=[types.Part(text="Weather in Paris?")]),
        types.Content(
            role="model",
            parts=[types.Part(function_call=types.FunctionCall(name="get_weather", args={"city": "Paris"}))],
        ),
        types.Content(
            role="user",
            parts=[types.Part(function_response=types.FunctionResponse(name="get_weather", response={"temp": 21}))],
        ),
    ]
    client.models.generate_content(model=MODEL, contents=contents)
    messages = scenarios["text"].requests[-1].messages
    assert [m.role for m in messages] == ["user", "assistant", "tool"]
    assert messages[1].tool_calls[0].name == "get_weather"
    assert messages[2].name == "get_weather"
    assert '"temp": 21' in messages[2].text


def test_thoughts_are_parts_only_when_include_thoughts_is_set(server: ServerThread) -> None:
    client = client_for(f"{server.url}/s/reasoning")
    plain = client.models.generate_content(model=MODEL, contents="Hi")
    assert plain.text == ANSWER
    assert not any(p.thought for p in plain.candidates[0].content.parts)  # type: ignore[index, union-attr]
    assert plain.usage_metadata is not None
    assert plain.usage_metadata.thoughts_token_count == len(REASONING.split())
    config = types.GenerateContentConfig(thinking_config=types.ThinkingConfig(include_thoughts=True))
    chunks = list(client.models.generate_content_stream(model=MODEL, contents="Hi", config=config))
    parts = [p for c in chunks for p in c.candidates[0].content.parts or []]  # type: ignore[index, union-attr]
    assert "".join(p.text or "" for p in parts if p.thought) == REASONING
    assert "".join(p.text or "" for p in parts if not p.thought) == ANSWER


def test_wrong_key_is_a_400_api_key_invalid() -> None:
    thread = start_server({}, api_keys=["AIza-right"])
    client = client_for(thread.url, key="AIza-wrong")
    try:
        with pytest.raises(errors.ClientError) as caught:
            client.models.generate_content(model=MODEL, contents="Hi")
        assert caught.value.code == 400
        assert caught.value.status == "INVALID_ARGUMENT"
        assert caught.value.details["error"]["details"][0]["reason"] == "API_KEY_INVALID"
        with pytest.raises(errors.ClientError) as streamed:
            list(client.models.generate_content_stream(model=MODEL, contents="Hi"))
        assert streamed.value.code == 400
    finally:
        thread.stop()


class _MidstreamErrorGemini(GeminiDialect):
    """Appends an error frame after the first content frame, as the fault stage will."""

    def render_stream(self, request: ChatRequest, replies: list[Reply], model: str, ctx: RequestContext) -> StreamPlan:
        plan = super().render_stream(request, replies, model, ctx)
        plan.frames[1:] = [Frame(self.render_stream_error(ApiError(503), request, ctx))]
        return plan


def test_midstream_error_frame_raises_server_error_in_the_sdk() -> None:
    thread = start_server({})
    app: FakeLLMApp = thread.app
    app.router = Router([_MidstreamErrorGemini()])
    client = client_for(thread.url)
    try:
        stream = client.models.generate_content_stream(model=MODEL, contents="Repeat with me: a b c")
        seen: list[str] = []

        def consume() -> None:
            for chunk in stream:
                seen.append(chunk.text or "")

        with pytest.raises(errors.ServerError) as caught:
            consume()
        assert seen == ["a"]
        assert caught.value.code == 503
        assert caught.value.status == "UNAVAILABLE"
    finally:
        thread.stop()


def test_list_models_reads_the_scenarios(client: genai.Client) -> None:
    names = [m.name for m in client.models.list()]
    assert "models/fakellm/echo" in names
