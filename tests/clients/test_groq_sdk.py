"""groq.Groq against a real fakellm server: `x_groq`, whole tool calls, and the three reasoning formats."""

from __future__ import annotations

import json
from typing import Any

import groq
import pytest

from fakellm.testing.server_thread import ServerThread
from tests.support.dialect_support import ANSWER, REASONING, TOOL_CALL, start_server

MESSAGES: list[Any] = [{"role": "user", "content": "Repeat with me: blue sky"}]
MODEL = "qwen/qwen3-32b"


@pytest.fixture(scope="module")
def server(fixed_server: ServerThread) -> ServerThread:
    return fixed_server


@pytest.fixture
def client(server: ServerThread) -> groq.Groq:
    return groq.Groq(base_url=server.url, api_key="gsk_test", max_retries=0)


def reasoning_client(server: ServerThread) -> groq.Groq:
    return groq.Groq(
        base_url=server.url, api_key="gsk_test", max_retries=0, default_headers={"X-FakeLLM-Scenario": "reasoning"}
    )


def test_non_streaming_reply_has_text_and_x_groq(client: groq.Groq) -> None:
    completion = client.chat.completions.create(model=MODEL, messages=MESSAGES)
    assert completion.choices[0].message.content == "blue sky"
    assert completion.x_groq is not None
    assert completion.x_groq.id.startswith("req_")
    assert completion.usage is not None
    assert completion.usage.completion_tokens == 2


def test_stream_has_x_groq_id_first_and_usage_on_the_finish_chunk(client: groq.Groq) -> None:
    chunks = list(client.chat.completions.create(model=MODEL, messages=MESSAGES, stream=True))
    assert chunks[0].x_groq is not None
    assert chunks[0].x_groq.id.startswith("req_")
    last = chunks[-1]
    assert last.choices[0].finish_reason == "stop"
    assert last.x_groq is not None
    assert last.x_groq.usage is not None
    assert last.x_groq.usage.completion_tokens == 2
    assert last.x_groq.id == chunks[0].x_groq.id
    assert all(c.choices for c in chunks), "Groq sends no choices-less usage chunk"
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == "blue sky"


def test_streamed_tool_call_arrives_whole_in_one_delta(client: groq.Groq) -> None:
    chunks = list(
        client.chat.completions.create(
            model=MODEL, messages=MESSAGES, stream=True, extra_headers={"X-FakeLLM-Scenario": "tool"}
        )
    )
    calls = [c.choices[0].delta.tool_calls for c in chunks if c.choices[0].delta.tool_calls]
    assert len(calls) == 1
    call = calls[0][0]
    assert call.id == TOOL_CALL.id
    assert call.function is not None
    assert call.function.name == TOOL_CALL.name
    assert json.loads(call.function.arguments or "") == json.loads(TOOL_CALL.arguments)
    assert chunks[-1].choices[0].finish_reason == "tool_calls"


def test_reasoning_format_parsed_puts_reasoning_in_its_own_field(server: ServerThread) -> None:
    client = reasoning_client(server)
    completion = client.chat.completions.create(model=MODEL, messages=MESSAGES, reasoning_format="parsed")
    assert completion.choices[0].message.content == ANSWER
    assert completion.choices[0].message.reasoning == REASONING
    chunks = list(
        client.chat.completions.create(model=MODEL, messages=MESSAGES, reasoning_format="parsed", stream=True)
    )
    assert "".join(c.choices[0].delta.reasoning or "" for c in chunks) == REASONING
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == ANSWER


def test_reasoning_format_raw_inlines_think_tags(server: ServerThread) -> None:
    client = reasoning_client(server)
    expected = f"<think>\n{REASONING}\n</think>\n\n{ANSWER}"
    completion = client.chat.completions.create(model=MODEL, messages=MESSAGES, reasoning_format="raw")
    assert completion.choices[0].message.content == expected
    assert completion.choices[0].message.reasoning is None
    chunks = list(client.chat.completions.create(model=MODEL, messages=MESSAGES, reasoning_format="raw", stream=True))
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == expected


def test_reasoning_format_hidden_returns_the_answer_only(server: ServerThread) -> None:
    client = reasoning_client(server)
    completion = client.chat.completions.create(model=MODEL, messages=MESSAGES, reasoning_format="hidden")
    assert completion.choices[0].message.content == ANSWER
    assert completion.choices[0].message.reasoning is None
    chunks = list(
        client.chat.completions.create(model=MODEL, messages=MESSAGES, reasoning_format="hidden", stream=True)
    )
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == ANSWER
    assert not any(c.choices[0].delta.reasoning for c in chunks)


def test_include_reasoning_and_reasoning_effort_are_accepted(server: ServerThread) -> None:
    client = reasoning_client(server)
    shown = client.chat.completions.create(
        model=MODEL, messages=MESSAGES, include_reasoning=True, reasoning_effort="default"
    )
    assert shown.choices[0].message.reasoning == REASONING
    hidden = client.chat.completions.create(model=MODEL, messages=MESSAGES, include_reasoning=False)
    assert hidden.choices[0].message.content == ANSWER
    assert hidden.choices[0].message.reasoning is None


def test_reasoning_usage_reports_reasoning_tokens(server: ServerThread) -> None:
    completion = reasoning_client(server).chat.completions.create(
        model=MODEL, messages=MESSAGES, reasoning_format="parsed"
    )
    assert completion.usage is not None
    assert completion.usage.completion_tokens_details is not None
    assert completion.usage.completion_tokens_details.reasoning_tokens == len(REASONING.split())


def test_unknown_reasoning_format_is_a_400(client: groq.Groq) -> None:
    with pytest.raises(groq.BadRequestError) as caught:
        client.chat.completions.create(model=MODEL, messages=MESSAGES, reasoning_format="verbose")  # type: ignore[arg-type]
    assert caught.value.body["error"]["param"] == "reasoning_format"  # type: ignore[index]


def test_wrong_key_gets_groqs_exact_401() -> None:
    thread = start_server({}, api_keys=["gsk_right"])
    try:
        client = groq.Groq(base_url=thread.url, api_key="gsk_wrong", max_retries=0)
        with pytest.raises(groq.AuthenticationError) as caught:
            client.chat.completions.create(model=MODEL, messages=MESSAGES)
        assert caught.value.body == {
            "error": {"message": "Invalid API Key", "type": "invalid_request_error", "code": "invalid_api_key"}
        }
    finally:
        thread.stop()
