"""The model catalogue through the official SDKs: dated snapshots, refused fields, Groq's gpt-oss reasoning,
and strict models (each provider's own 404 for a model it does not serve)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import groq
import httpx
import openai
import pytest
from google import genai
from google.genai import errors, types

from fakellm import FakeLLM
from fakellm.server.app import FakeLLMApp
from fakellm.testing.server_thread import ServerThread
from tests.support.dialect_support import REASONING, fixed_scenarios, start_server

HELLO: Any = [{"role": "user", "content": "Repeat with me: hi"}]


@pytest.fixture(scope="module")
def server() -> Iterator[ServerThread]:
    thread = ServerThread(FakeLLMApp()).start()
    yield thread
    thread.stop()


def oai(server: ServerThread, path: str = "/v1") -> openai.OpenAI:
    return openai.OpenAI(base_url=server.url + path, api_key="sk-test", max_retries=0)


# --- what a known model does differently -----------------------------------------------------------


def test_gpt_5_refuses_max_tokens_as_openai_does(server: ServerThread) -> None:
    client = oai(server)
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(model="gpt-5", messages=HELLO, max_tokens=10)
    assert caught.value.code == "unsupported_parameter"
    assert caught.value.param == "max_tokens"
    assert "Use 'max_completion_tokens' instead." in caught.value.message
    ok = client.chat.completions.create(model="gpt-5", messages=HELLO, max_completion_tokens=10)
    assert ok.model == "gpt-5-2025-08-07"
    assert client.chat.completions.create(model="gpt-4o-mini", messages=HELLO, max_tokens=10).choices


def test_o_series_refuses_a_non_default_temperature_only(server: ServerThread) -> None:
    client = oai(server)
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(model="o3-mini", messages=HELLO, temperature=0.2)
    assert caught.value.code == "unsupported_value"
    assert "does not support 0.2 with this model. Only the default (1) value is supported." in caught.value.message
    assert client.chat.completions.create(model="o3-mini", messages=HELLO, temperature=1).choices


def test_azure_gpt_5_deployment_refuses_max_tokens(server: ServerThread) -> None:
    client = openai.AzureOpenAI(azure_endpoint=server.url, api_key="k", api_version="2024-10-21", max_retries=0)
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(model="gpt-5-mini", messages=HELLO, max_tokens=5)
    assert caught.value.code == "unsupported_parameter"


def test_unknown_models_are_served_as_given_without_strict_models(server: ServerThread) -> None:
    reply = oai(server).chat.completions.create(model="my-own-model", messages=HELLO, max_tokens=5)
    assert reply.model == "my-own-model"


def test_groq_gpt_oss_parses_its_reasoning_and_streams_it_on_the_analysis_channel() -> None:
    thread = start_server(fixed_scenarios())
    try:
        client = groq.Groq(
            base_url=thread.url, api_key="gsk", max_retries=0, default_headers={"X-FakeLLM-Scenario": "reasoning"}
        )
        whole = client.chat.completions.create(model="openai/gpt-oss-20b", messages=HELLO)
        assert whole.choices[0].message.reasoning == REASONING
        assert "<think>" not in (whole.choices[0].message.content or "")
        deltas = [
            c.choices[0].delta
            for c in client.chat.completions.create(model="openai/gpt-oss-20b", messages=HELLO, stream=True)
            if c.choices
        ]
        thinking = [d for d in deltas if getattr(d, "reasoning", None)]
        assert thinking
        assert all((d.model_extra or {}).get("channel") == "analysis" for d in thinking)
        # qwen3 inlines its thinking by default, but not with tools.
        raw = client.chat.completions.create(model="qwen/qwen3-32b", messages=HELLO)
        assert (raw.choices[0].message.content or "").startswith("<think>")
        tools: Any = [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}]
        parsed = client.chat.completions.create(model="qwen/qwen3-32b", messages=HELLO, tools=tools)
        assert parsed.choices[0].message.reasoning == REASONING
        with pytest.raises(groq.BadRequestError) as caught:
            client.chat.completions.create(
                model="openai/gpt-oss-20b", messages=HELLO, tools=tools, reasoning_format="raw"
            )
        assert "reasoning_format" in str(caught.value)
    finally:
        thread.stop()


# --- strict models ----------------------------------------------------------------------------------


def test_strict_openai_unknown_model_is_model_not_found(server: ServerThread) -> None:
    client = oai(server, "/s/strict/v1")
    with pytest.raises(openai.NotFoundError) as caught:
        client.chat.completions.create(model="gpt-4o-mni", messages=HELLO)
    assert caught.value.code == "model_not_found"
    assert caught.value.body["message"] == "The model `gpt-4o-mni` does not exist or you do not have access to it."
    assert client.chat.completions.create(model="gpt-4o-mini", messages=HELLO).choices[0].message.content == "hi"


def test_strict_groq_unknown_model_is_model_not_found(server: ServerThread) -> None:
    client = groq.Groq(base_url=server.url + "/s/strict", api_key="gsk", max_retries=0)
    with pytest.raises(groq.NotFoundError) as caught:
        client.chat.completions.create(model="llama3-70b-8192", messages=HELLO)
    assert "The model `llama3-70b-8192` does not exist or you do not have access to it." in str(caught.value)
    assert client.chat.completions.create(model="llama-3.3-70b-versatile", messages=HELLO).choices


def test_strict_azure_unknown_deployment_is_deployment_not_found(server: ServerThread) -> None:
    client = openai.AzureOpenAI(
        azure_endpoint=server.url + "/s/strict", api_key="k", api_version="2024-10-21", max_retries=0
    )
    with pytest.raises(openai.NotFoundError) as caught:
        client.chat.completions.create(model="my-deployment", messages=HELLO)
    assert caught.value.code == "DeploymentNotFound"


def test_strict_gemini_unknown_model_is_not_found_in_googles_words(server: ServerThread) -> None:
    client = genai.Client(api_key="AIza-test", http_options=types.HttpOptions(base_url=server.url + "/s/strict"))
    with pytest.raises(errors.ClientError) as caught:
        client.models.generate_content(model="gemini-1.0-pro", contents="hi")
    assert caught.value.code == 404
    assert caught.value.status == "NOT_FOUND"
    assert caught.value.message == (
        # google-genai 3 calls API version v1: the message names the version of the path it was sent to.
        "models/gemini-1.0-pro is not found for API version v1, or is not supported for generateContent. "
        "Call ModelService.ListModels to see the list of available models and their supported methods."
    )
    assert client.models.generate_content(model="gemini-2.5-flash", contents="hi").text == "hi"


def test_strict_models_flag_and_scenario_models() -> None:
    with FakeLLM(strict_models=True, scenarios=[{"name": "mine", "defaults": {"model": "acme-1"}}]) as llm:
        client = openai.OpenAI(base_url=llm.url + "/v1", api_key="sk", max_retries=0)
        with pytest.raises(openai.NotFoundError):
            client.chat.completions.create(model="gpt-4o-mni", messages=HELLO)
        assert client.chat.completions.create(model="acme-1", messages=HELLO).choices
        assert client.chat.completions.create(model="fakellm/echo", messages=HELLO).choices


def test_models_lists_the_catalogue(server: ServerThread) -> None:
    ids = [m.id for m in oai(server).models.list()]
    assert {"gpt-4o-mini", "gpt-5", "o3-mini", "fakellm/echo"} <= set(ids)
    groq_ids = httpx.get(server.url + "/openai/v1/models").json()["data"]
    assert "openai/gpt-oss-20b" in {m["id"] for m in groq_ids}
    gemini = genai.Client(api_key="AIza-test", http_options=types.HttpOptions(base_url=server.url))
    names = [m.name for m in gemini.models.list()]
    assert "models/gemini-3-pro-preview" in names
