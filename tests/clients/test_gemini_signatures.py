"""Gemini thought signatures through google-genai and the openai SDK (Gemini's OpenAI route): a Gemini 3
tool round trip that sends the signature back passes; one that drops it gets Google's 400."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import openai
import pytest
from google import genai
from google.genai import errors, types

from fakellm.server.app import FakeLLMApp
from fakellm.testing.server_thread import ServerThread

WEATHER = types.FunctionDeclaration(
    name="get_weather",
    description="The weather in a city.",
    parameters_json_schema={"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
)
CONFIG = types.GenerateContentConfig(tools=[types.Tool(function_declarations=[WEATHER])])
QUESTION = types.Content(role="user", parts=[types.Part.from_text(text="What is the weather in Paris?")])


@pytest.fixture(scope="module")
def server() -> Iterator[ServerThread]:
    thread = ServerThread(FakeLLMApp()).start()
    yield thread
    thread.stop()


def gemini(server: ServerThread) -> genai.Client:
    return genai.Client(api_key="AIza-test", http_options=types.HttpOptions(base_url=server.url + "/s/tools"))


def call_turn(client: genai.Client, model: str) -> types.Content:
    response = client.models.generate_content(model=model, contents=[QUESTION], config=CONFIG)
    assert response.candidates is not None
    content = response.candidates[0].content
    assert content is not None
    return content


def result_turn(name: str) -> types.Content:
    return types.Content(role="user", parts=[types.Part.from_function_response(name=name, response={"temp": 21})])


def test_gemini_3_round_trip_with_the_signature_passes(server: ServerThread) -> None:
    client = gemini(server)
    content = call_turn(client, "gemini-3-pro-preview")
    part = (content.parts or [])[0]
    assert part.function_call is not None
    assert part.function_call.id is None  # Gemini 3 function calls carry no id
    assert part.thought_signature  # bytes, as google-genai decodes it
    answer = client.models.generate_content(
        model="gemini-3-pro-preview", contents=[QUESTION, content, result_turn("get_weather")], config=CONFIG
    )
    assert answer.text == 'The tool returned: {"temp": 21}'


def test_gemini_3_round_trip_that_drops_the_signature_gets_the_400(server: ServerThread) -> None:
    client = gemini(server)
    call = (call_turn(client, "gemini-3-pro-preview").parts or [])[0].function_call
    assert call is not None
    assert call.name is not None
    # What a client that rebuilds the history from the call's name and arguments sends.
    rebuilt = types.Content(role="model", parts=[types.Part.from_function_call(name=call.name, args=call.args or {})])
    with pytest.raises(errors.ClientError) as caught:
        client.models.generate_content(
            model="gemini-3-pro-preview", contents=[QUESTION, rebuilt, result_turn(call.name)], config=CONFIG
        )
    assert caught.value.code == 400
    assert caught.value.status == "INVALID_ARGUMENT"
    assert (caught.value.message or "").startswith(
        "Function call is missing a thought_signature in functionCall parts."
    )


def test_gemini_2_5_signs_but_does_not_check_and_2_0_does_not_sign(server: ServerThread) -> None:
    client = gemini(server)
    signed = (call_turn(client, "gemini-2.5-flash").parts or [])[0]
    assert signed.thought_signature
    assert signed.function_call is not None
    rebuilt = types.Content(role="model", parts=[types.Part.from_function_call(name="get_weather", args={})])
    answer = client.models.generate_content(
        model="gemini-2.5-flash", contents=[QUESTION, rebuilt, result_turn("get_weather")], config=CONFIG
    )
    assert answer.text
    assert not (call_turn(client, "gemini-2.0-flash").parts or [])[0].thought_signature


def test_gemini_3_stream_signs_the_call(server: ServerThread) -> None:
    client = gemini(server)
    chunks = list(
        client.models.generate_content_stream(model="gemini-3-pro-preview", contents=[QUESTION], config=CONFIG)
    )
    parts = [
        p for c in chunks for p in ((c.candidates or [types.Candidate()])[0].content or types.Content()).parts or []
    ]
    assert [p.thought_signature is not None for p in parts if p.function_call] == [True]


def test_gemini_3_on_the_openai_route_signs_tool_calls_and_wants_them_back(server: ServerThread) -> None:
    client = openai.OpenAI(base_url=server.url + "/s/tools/v1beta/openai", api_key="AIza-test", max_retries=0)
    tools: Any = [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}]
    messages: list[Any] = [{"role": "user", "content": "What is the weather in Paris?"}]
    reply = client.chat.completions.create(model="gemini-3-pro-preview", messages=messages, tools=tools)
    call = (reply.choices[0].message.tool_calls or [])[0]
    extra = (call.model_extra or {}).get("extra_content")
    assert extra is not None
    assert extra["google"]["thought_signature"]
    result = {"role": "tool", "tool_call_id": call.id, "content": '{"temp": 21}'}
    # Sent back as the SDK returned it (model_dump keeps the extra fields): passes.
    kept = reply.choices[0].message.model_dump(exclude_none=True)
    answer = client.chat.completions.create(
        model="gemini-3-pro-preview", messages=[*messages, kept, result], tools=tools
    )
    assert answer.choices[0].message.content == 'The tool returned: {"temp": 21}'
    # Rebuilt from id, name and arguments only: Google's 400, in its one-element array.
    rebuilt = {
        "role": "assistant",
        "tool_calls": [{"id": call.id, "type": "function", "function": call.function.model_dump()}],  # type: ignore[union-attr]
    }
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(model="gemini-3-pro-preview", messages=[*messages, rebuilt, result], tools=tools)
    assert "missing a thought_signature" in caught.value.response.text
