"""Built-in scenarios through the Azure, Gemini and Groq SDKs: text, tool calls and reasoning, each in its
provider's own shape (Gemini a whole `functionCall` part, Groq a whole tool-call delta)."""

from __future__ import annotations

import json

import httpx
import openai
import pytest

pytest.importorskip("fakellm.dialects.groq", reason="needs the dialects branch")

import groq
from google import genai
from google.genai import types

from fakellm.config import ServerConfig
from fakellm.server.app import FakeLLMApp
from fakellm.testing.server_thread import ServerThread

AZURE_VERSION = "2024-10-21"
WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "unit": {"type": "string", "enum": ["c", "f"]}},
            "required": ["city", "unit"],
        },
    },
}
HELLO = [{"role": "user", "content": "Repeat with me: hello there"}]


@pytest.fixture(scope="module")
def server() -> ServerThread:
    thread = ServerThread(FakeLLMApp(ServerConfig(seed=3))).start()
    yield thread
    thread.stop()


def azure(server, scenario):
    return openai.AzureOpenAI(
        azure_endpoint=f"{server.url}/s/{scenario}", api_key="k", api_version=AZURE_VERSION, max_retries=0
    )


def groq_client(server, scenario):
    return groq.Groq(base_url=f"{server.url}/s/{scenario}", api_key="gsk_test", max_retries=0)


def gemini(server, scenario=None, **headers):
    base = f"{server.url}/s/{scenario}" if scenario else server.url
    return genai.Client(api_key="AIza-test", http_options=types.HttpOptions(base_url=base, headers=headers))


def gemini_weather():
    declaration = types.FunctionDeclaration(
        name="get_weather",
        parameters=types.Schema(
            type=types.Type.OBJECT,
            properties={
                "city": types.Schema(type=types.Type.STRING),
                "unit": types.Schema(type="STRING", enum=["c", "f"]),
            },
            required=["city", "unit"],
        ),
    )
    return types.GenerateContentConfig(tools=[types.Tool(function_declarations=[declaration])])


# --- text --------------------------------------------------------------------------------------


def test_echo_text_through_azure(server):
    reply = azure(server, "echo").chat.completions.create(model="gpt-4o", messages=HELLO)
    assert reply.choices[0].message.content == "hello there"


def test_echo_text_through_groq(server):
    reply = groq_client(server, "echo").chat.completions.create(model="llama-3.3-70b-versatile", messages=HELLO)
    assert reply.choices[0].message.content == "hello there"


def test_echo_text_through_gemini_streaming(server):
    client = gemini(server, "echo")  # keep a reference: a dropped genai.Client closes its connection
    chunks = client.models.generate_content_stream(model="gemini-2.5-flash", contents="Repeat with me: hello there")
    assert "".join(c.text or "" for c in chunks) == "hello there"


# --- tool calls --------------------------------------------------------------------------------


def test_tools_through_azure_streams_a_parsed_call(server):
    with azure(server, "tools").chat.completions.stream(
        model="gpt-4o", messages=[{"role": "user", "content": "weather?"}], tools=[WEATHER]
    ) as stream:
        final = stream.get_final_completion()
    call = final.choices[0].message.tool_calls[0]
    assert call.function.name == "get_weather"
    assert json.loads(call.function.arguments)["unit"] in ("c", "f")


def test_tools_through_groq_send_the_whole_call_in_one_delta(server):
    stream = groq_client(server, "tools").chat.completions.create(
        model="llama-3.3-70b-versatile",
        messages=[{"role": "user", "content": "weather?"}],
        tools=[WEATHER],
        stream=True,
    )
    deltas = [d for chunk in stream for c in chunk.choices for d in (c.delta.tool_calls or [])]
    assert len(deltas) == 1
    assert deltas[0].index == 0
    assert deltas[0].id
    assert deltas[0].function.name == "get_weather"
    assert set(json.loads(deltas[0].function.arguments)) == {"city", "unit"}


def test_tools_through_gemini_give_a_function_call_part(server):
    client = gemini(server, "tools")
    response = client.models.generate_content(model="gemini-2.5-flash", contents="weather?", config=gemini_weather())
    calls = response.function_calls
    assert calls is not None
    assert len(calls) == 1
    assert calls[0].name == "get_weather"
    assert calls[0].args["unit"] in ("c", "f")
    assert isinstance(calls[0].args["city"], str)


def test_gemini_tool_result_gets_a_text_answer(server):
    contents = [
        types.Content(role="user", parts=[types.Part(text="weather?")]),
        types.Content(role="model", parts=[types.Part(function_call=types.FunctionCall(name="get_weather", args={}))]),
        types.Content(
            role="user",
            parts=[types.Part(function_response=types.FunctionResponse(name="get_weather", response={"temp": 21}))],
        ),
    ]
    client = gemini(server, "tools")
    response = client.models.generate_content(model="gemini-2.5-flash", contents=contents, config=gemini_weather())
    assert response.text is not None
    assert response.text.startswith("The tool returned:")
    assert "21" in response.text


# --- reasoning ---------------------------------------------------------------------------------


def test_reasoning_through_groq_parsed_streams_reasoning_then_the_answer(server):
    stream = groq_client(server, "reasoning").chat.completions.create(
        model="qwen/qwen3-32b", messages=[{"role": "user", "content": "why?"}], stream=True, reasoning_format="parsed"
    )
    reasoning, content, order = "", "", []
    for chunk in stream:
        for choice in chunk.choices:
            if getattr(choice.delta, "reasoning", None):
                reasoning += choice.delta.reasoning
                order.append("r")
            if choice.delta.content:
                content += choice.delta.content
                order.append("c")
    assert reasoning.startswith('The user wrote "why?"')
    assert content.startswith('Here is my answer to "why?"')
    assert order.index("c") > max(i for i, kind in enumerate(order) if kind == "r")


def test_reasoning_through_groq_raw_is_inline_and_hidden_drops_it(server):
    client = groq_client(server, "reasoning")
    raw = client.chat.completions.create(
        model="qwen/qwen3-32b", messages=[{"role": "user", "content": "why?"}], reasoning_format="raw"
    )
    hidden = client.chat.completions.create(
        model="qwen/qwen3-32b", messages=[{"role": "user", "content": "why?"}], reasoning_format="hidden"
    )
    assert raw.choices[0].message.content.startswith("<think>")
    assert "<think>" not in hidden.choices[0].message.content
    assert hidden.choices[0].message.content.startswith("Here is my answer")


def test_reasoning_through_gemini_gives_thought_parts(server):
    client = gemini(server, "reasoning")
    response = client.models.generate_content(
        model="gemini-2.5-flash",
        contents="why?",
        config=types.GenerateContentConfig(thinking_config=types.ThinkingConfig(include_thoughts=True)),
    )
    parts = response.candidates[0].content.parts
    assert parts[0].thought is True
    assert parts[0].text.startswith('The user wrote "why?"')
    assert response.text.startswith("Here is my answer")


def test_reasoning_through_azure_gives_the_answer(server):
    reply = azure(server, "reasoning").chat.completions.create(
        model="o3", messages=[{"role": "user", "content": "why?"}]
    )
    assert reply.choices[0].message.content.startswith("Here is my answer")


# --- selection in every dialect ----------------------------------------------------------------


@pytest.mark.parametrize("how", ["path", "header", "model"])
def test_gemini_selects_scenarios_by_path_header_and_model(server, how):
    headers = {"X-FakeLLM-Scenario": "script"} if how == "header" else {}
    client = gemini(server, "script" if how == "path" else None, **headers)
    model = "fakellm/script" if how == "model" else "gemini-2.5-flash"
    server.app.library.reset()
    response = client.models.generate_content(model=model, contents="hi")
    assert response.text == "Hello! I'm a scripted assistant. What's your name?"


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/openai/deployments/{model}/chat/completions?api-version=2024-10-21", {"api-key": "k"}),
        ("/openai/v1/chat/completions", {}),
        ("/v1beta/openai/chat/completions", {}),
    ],
)
@pytest.mark.parametrize("how", ["path", "header", "model"])
def test_openai_shaped_dialects_select_scenarios_by_path_header_and_model(server, path, headers, how):
    model = "fakellm/script" if how == "model" else "gpt-4o"
    prefix = "/s/script" if how == "path" else ""
    sent = {**headers, **({"X-FakeLLM-Scenario": "script"} if how == "header" else {})}
    server.app.library.reset()
    response = httpx.post(
        server.url + prefix + path.format(model=model),
        json={"model": model, "messages": [{"role": "user", "content": "hi"}]},
        headers=sent,
        timeout=10,
    )
    assert response.status_code == 200, response.text
    assert "scripted assistant" in response.text


def test_an_unknown_scenario_is_a_404_in_gemini_shape(server):
    client = gemini(server, "nope")
    with pytest.raises(genai.errors.ClientError) as caught:
        client.models.generate_content(model="gemini-2.5-flash", contents="hi")
    assert caught.value.code == 404
    assert "Loaded scenarios:" in str(caught.value)
