"""The openai SDK against Gemini's OpenAI-compatible route (`/v1beta/openai/`) on a real fakellm server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import openai
import pytest

from fakellm.testing.server_thread import ServerThread
from tests.support.dialect_support import ANSWER, REASONING, TOOL_CALL, FixedScenario, fixed_scenarios, start_server

MODEL = "gemini-2.5-flash"
MESSAGES: list[Any] = [{"role": "user", "content": "Repeat with me: blue sky"}]


@pytest.fixture(scope="module")
def server() -> Iterator[ServerThread]:
    scenarios: dict[str, FixedScenario] = fixed_scenarios()
    thread = start_server(scenarios)
    yield thread
    thread.stop()


@pytest.fixture
def client(server: ServerThread) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{server.url}/v1beta/openai/", api_key="AIza-test", max_retries=0)


def test_non_streaming_reply_has_the_text(client: openai.OpenAI) -> None:
    completion = client.chat.completions.create(model=MODEL, messages=MESSAGES)
    assert completion.choices[0].message.content == "blue sky"
    assert completion.choices[0].finish_reason == "stop"
    assert not completion.id.startswith("chatcmpl-")
    assert completion.usage is not None
    assert completion.usage.completion_tokens == 2


def test_stream_repeats_the_role_and_finishes_on_the_last_content_chunk(client: openai.OpenAI) -> None:
    chunks = list(client.chat.completions.create(model=MODEL, messages=MESSAGES, stream=True))
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == "blue sky"
    assert all(c.choices[0].delta.role == "assistant" for c in chunks)
    assert [c.choices[0].finish_reason for c in chunks] == [None, "stop"]


def test_stream_helper_trips_on_index_less_tool_calls_as_against_google(client: openai.OpenAI) -> None:
    """Google streams tool calls without `index`; openai-python's `.stream()` helper indexes by it and
    fails, against the real endpoint as here (the README's known provider quirk)."""
    with (
        pytest.raises(TypeError, match="list indices must be integers"),
        client.chat.completions.stream(
            model=MODEL, messages=MESSAGES, extra_headers={"X-FakeLLM-Scenario": "tool"}
        ) as stream,
    ):
        stream.get_final_completion()


def test_plain_stream_reads_a_whole_tool_call_without_index(client: openai.OpenAI) -> None:
    """The workaround: iterate `create(stream=True)` and take each whole tool call as it comes."""
    chunks = list(
        client.chat.completions.create(
            model=MODEL, messages=MESSAGES, stream=True, extra_headers={"X-FakeLLM-Scenario": "tool"}
        )
    )
    calls = [call for c in chunks for call in (c.choices[0].delta.tool_calls or [])]
    assert len(calls) == 1
    assert calls[0].index is None  # type: ignore[comparison-overlap]
    assert calls[0].id is not None
    assert calls[0].id.startswith("function-call-")
    assert calls[0].function is not None
    assert calls[0].function.name == TOOL_CALL.name
    assert json.loads(calls[0].function.arguments or "") == json.loads(TOOL_CALL.arguments)
    assert chunks[-1].choices[0].finish_reason == "stop"  # Gemini's quirk for streamed tool calls


def test_non_streaming_tool_call_finishes_with_tool_calls(client: openai.OpenAI) -> None:
    completion = client.chat.completions.create(
        model=MODEL, messages=MESSAGES, extra_headers={"X-FakeLLM-Scenario": "tool"}
    )
    assert completion.choices[0].finish_reason == "tool_calls"
    assert completion.choices[0].message.tool_calls[0].id.startswith("function-call-")  # type: ignore[index]


def test_thoughts_are_marked_only_when_asked_for(client: openai.OpenAI) -> None:
    headers = {"X-FakeLLM-Scenario": "reasoning"}
    plain = list(client.chat.completions.create(model=MODEL, messages=MESSAGES, stream=True, extra_headers=headers))
    assert "".join(c.choices[0].delta.content or "" for c in plain) == ANSWER
    asked = list(
        client.chat.completions.create(
            model=MODEL,
            messages=MESSAGES,
            stream=True,
            extra_headers=headers,
            extra_body={"extra_body": {"google": {"thinking_config": {"include_thoughts": True}}}},
        )
    )
    thought = [c for c in asked if (c.choices[0].delta.model_extra or {}).get("extra_content")]
    assert "".join(c.choices[0].delta.content or "" for c in thought) == REASONING


def test_errors_come_as_a_one_element_array(client: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(model=MODEL, messages=[])
    body = caught.value.body
    assert isinstance(body, list)
    assert body[0]["error"]["code"] == 400
    assert body[0]["error"]["status"] == "INVALID_ARGUMENT"
