"""openai.AzureOpenAI against a real fakellm server: Azure's routes, chunks and errors."""

from __future__ import annotations

import json

import openai
import pytest

from fakellm.testing.server_thread import ServerThread
from tests.support.dialect_support import ANSWER, TOOL_CALL, start_server

API_VERSION = "2024-10-21"
MESSAGES: list[dict[str, str]] = [{"role": "user", "content": "Repeat with me: blue sky"}]


@pytest.fixture(scope="module")
def server(fixed_server: ServerThread) -> ServerThread:
    return fixed_server


@pytest.fixture
def client(server: ServerThread) -> openai.AzureOpenAI:
    return openai.AzureOpenAI(azure_endpoint=server.url, api_key="azure-key", api_version=API_VERSION, max_retries=0)


def test_non_streaming_reply_has_text_versioned_model_and_filter_results(client: openai.AzureOpenAI) -> None:
    completion = client.chat.completions.create(model="gpt-4o", messages=MESSAGES)  # type: ignore[arg-type]
    assert completion.choices[0].message.content == "blue sky"
    assert completion.model == "gpt-4o-2024-11-20"
    assert completion.model_extra is not None
    assert completion.model_extra["prompt_filter_results"][0]["prompt_index"] == 0
    assert completion.choices[0].model_extra is not None
    assert completion.choices[0].model_extra["content_filter_results"]["hate"]["filtered"] is False


def test_stream_opens_with_the_prompt_filter_chunk(client: openai.AzureOpenAI) -> None:
    chunks = list(client.chat.completions.create(model="gpt-4o", messages=MESSAGES, stream=True))  # type: ignore[arg-type]
    first = chunks[0]
    assert first.choices == []
    assert first.id == ""
    assert first.model == ""
    assert first.model_extra is not None
    assert "prompt_filter_results" in first.model_extra
    text = "".join(c.choices[0].delta.content or "" for c in chunks[1:])
    assert text == "blue sky"
    assert {c.model for c in chunks[1:]} == {"gpt-4o-2024-11-20"}


def test_streamed_choices_carry_content_filter_results(client: openai.AzureOpenAI) -> None:
    chunks = list(client.chat.completions.create(model="gpt-4o", messages=MESSAGES, stream=True))  # type: ignore[arg-type]
    for chunk in chunks[1:]:
        extra = chunk.choices[0].model_extra
        assert extra is not None
        assert "content_filter_results" in extra
    content_chunk = next(c for c in chunks[1:] if c.choices[0].delta.content)
    assert content_chunk.choices[0].model_extra["content_filter_results"]["violence"]["severity"] == "safe"  # type: ignore[index]


def test_stream_helper_accumulates_a_tool_call(client: openai.AzureOpenAI) -> None:
    with client.chat.completions.stream(
        model="gpt-4o",
        messages=MESSAGES,  # type: ignore[arg-type]
        extra_headers={"X-FakeLLM-Scenario": "tool"},
    ) as stream:
        final = stream.get_final_completion()
    call = final.choices[0].message.tool_calls[0]  # type: ignore[index]
    assert call.function.name == TOOL_CALL.name  # type: ignore[union-attr]
    assert json.loads(call.function.arguments) == json.loads(TOOL_CALL.arguments)  # type: ignore[union-attr]
    assert final.choices[0].finish_reason == "tool_calls"


def test_deployment_name_with_a_slash_selects_the_scenario(client: openai.AzureOpenAI) -> None:
    completion = client.chat.completions.create(model="fakellm/text", messages=MESSAGES)  # type: ignore[arg-type]
    assert completion.choices[0].message.content == ANSWER


def test_include_usage_adds_a_usage_chunk(client: openai.AzureOpenAI) -> None:
    chunks = list(
        client.chat.completions.create(
            model="gpt-4o",
            messages=MESSAGES,  # type: ignore[arg-type]
            stream=True,
            stream_options={"include_usage": True},
        )
    )
    assert chunks[-1].choices == []
    assert chunks[-1].usage is not None
    assert chunks[-1].usage.completion_tokens == 2


def test_v1_route_with_api_key_header_is_answered_as_azure(server: ServerThread) -> None:
    client = openai.OpenAI(
        base_url=f"{server.url}/openai/v1", api_key="unused", default_headers={"api-key": "azure-key"}, max_retries=0
    )
    completion = client.chat.completions.create(model="gpt-4o", messages=MESSAGES)  # type: ignore[arg-type]
    assert completion.model_extra is not None
    assert "prompt_filter_results" in completion.model_extra
    assert "x_groq" not in completion.model_extra


def test_wrong_key_is_a_401_with_string_code() -> None:
    thread = start_server({}, api_keys=["right-key"])
    try:
        client = openai.AzureOpenAI(
            azure_endpoint=thread.url, api_key="wrong-key", api_version=API_VERSION, max_retries=0
        )
        with pytest.raises(openai.AuthenticationError) as caught:
            client.chat.completions.create(model="gpt-4o", messages=MESSAGES)  # type: ignore[arg-type]
        assert caught.value.status_code == 401
        assert caught.value.code == "401"
        assert "Access denied due to invalid subscription key" in caught.value.message
        good = openai.AzureOpenAI(azure_endpoint=thread.url, azure_ad_token="right-key", api_version=API_VERSION)
        assert good.chat.completions.create(model="gpt-4o", messages=MESSAGES).choices[0].message.content  # type: ignore[arg-type]
    finally:
        thread.stop()


def test_bad_request_is_a_400_the_sdk_raises(client: openai.AzureOpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(model="gpt-4o", messages=[])
    assert caught.value.status_code == 400
    assert caught.value.param == "messages"


def test_reasoning_is_not_shown_to_openai_style_clients(client: openai.AzureOpenAI) -> None:
    headers = {"X-FakeLLM-Scenario": "reasoning"}
    completion = client.chat.completions.create(model="gpt-4o", messages=MESSAGES, extra_headers=headers)  # type: ignore[arg-type]
    assert completion.choices[0].message.content == ANSWER
    assert "reasoning_content" not in (completion.choices[0].message.model_extra or {})
    chunks = list(client.chat.completions.create(model="gpt-4o", messages=MESSAGES, stream=True, extra_headers=headers))  # type: ignore[arg-type]
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == ANSWER
