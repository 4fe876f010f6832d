"""anthropic.Anthropic against a real fakellm server: messages, streams, tools, thinking, token counts,
models, errors, retries and rate limits, with only the base URL and the key changed."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import anthropic
import pytest

from fakellm.testing.harness import FakeLLM
from tests.support.anthropic_requests import ECHO, MODEL, WEATHER_TOOL


@pytest.fixture(scope="module")
def llm() -> Iterator[FakeLLM]:
    with FakeLLM() as server:
        server.add_scenario(
            {
                "name": "overloaded-once",
                "defaults": {"error": {"status": 529, "first": 1}},
                "rules": [{"name": "echo", "reply": {"echo": True}}],
            }
        )
        server.add_scenario(
            {
                "name": "overloaded",
                "defaults": {"error": {"status": 529}},
                "rules": [{"name": "echo", "reply": {"echo": True}}],
            }
        )
        server.add_scenario(
            {
                "name": "overloaded-midstream",
                "defaults": {"stream": {"error_after": 2, "error_status": 529}},
                "rules": [{"name": "long", "reply": {"text": "one two three four five six"}}],
            }
        )
        yield server


@pytest.fixture
def client(llm: FakeLLM) -> anthropic.Anthropic:
    llm.clear()
    return anthropic.Anthropic(base_url=llm.anthropic_base_url, api_key=llm.api_key, max_retries=0)


def test_messages_create_returns_an_anthropic_message(client: anthropic.Anthropic, llm: FakeLLM) -> None:
    message = client.messages.create(model=MODEL, max_tokens=100, messages=ECHO)
    assert message.type == "message"
    assert message.role == "assistant"
    assert [(b.type, getattr(b, "text", None)) for b in message.content] == [("text", "blue sky")]
    assert message.stop_reason == "end_turn"
    assert message.stop_sequence is None
    assert message.id.startswith("msg_01")
    assert len(message.id) == 28
    assert message.model == "claude-sonnet-4-5-20250929"  # an alias answers with its snapshot
    assert message.usage.output_tokens == 2
    assert message.usage.input_tokens > 0
    assert message.usage.cache_read_input_tokens == 0
    assert message.usage.service_tier == "standard"
    assert message._request_id is not None
    assert message._request_id.startswith("req_011C")
    entry = llm.requests.last
    assert (entry.dialect, entry.path, entry.status) == ("anthropic", "/v1/messages", 200)
    assert entry.request is not None
    assert entry.request.model == MODEL
    assert entry.request.max_tokens == 100


def test_stream_text_and_final_message(client: anthropic.Anthropic) -> None:
    with client.messages.stream(model=MODEL, max_tokens=100, messages=ECHO) as stream:
        pieces = list(stream.text_stream)
        final = stream.get_final_message()
    assert pieces == ["blue", " sky"]
    assert final.content[0].type == "text"
    assert final.content[0].text == "blue sky"
    assert final.stop_reason == "end_turn"
    assert final.usage.output_tokens == 2


def test_stream_events_arrive_in_anthropics_order(client: anthropic.Anthropic) -> None:
    events = list(client.messages.create(model=MODEL, max_tokens=100, messages=ECHO, stream=True))
    kinds = [e.type for e in events]
    assert kinds == [
        "message_start",
        "content_block_start",
        "content_block_delta",
        "content_block_delta",
        "content_block_stop",
        "message_delta",
        "message_stop",
    ]  # the `ping` is skipped by the SDK


def test_system_prompt_and_max_tokens_cut(client: anthropic.Anthropic) -> None:
    message = client.messages.create(
        model=MODEL,
        max_tokens=1,
        system=[{"type": "text", "text": "Be brief."}],
        messages=ECHO,
    )
    assert message.stop_reason == "max_tokens"
    assert message.content[0].type == "text"
    assert message.content[0].text == "blue"


def test_tool_use_round_trip(client: anthropic.Anthropic, llm: FakeLLM) -> None:
    tools: Any = [WEATHER_TOOL]
    ask: list[Any] = [{"role": "user", "content": "What's the weather in Paris?"}]
    first = client.messages.create(
        model=MODEL, max_tokens=200, messages=ask, tools=tools, extra_headers={"X-FakeLLM-Scenario": "tools"}
    )
    assert first.stop_reason == "tool_use"
    use = first.content[-1]
    assert use.type == "tool_use"
    assert use.name == "get_weather"
    assert use.id.startswith("toolu_01")
    assert len(use.id) == 30
    assert isinstance(use.input, dict)
    assert isinstance(use.input.get("city"), str)
    history: list[Any] = [
        *ask,
        {"role": "assistant", "content": [b.model_dump(exclude_none=True) for b in first.content]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": use.id, "content": '{"temp": 21}'}]},
    ]
    second = client.messages.create(
        model=MODEL, max_tokens=200, messages=history, tools=tools, extra_headers={"X-FakeLLM-Scenario": "tools"}
    )
    assert second.stop_reason == "end_turn"
    assert second.content[0].type == "text"
    assert '{"temp": 21}' in second.content[0].text
    assert llm.requests.last.rule == "answer-with-result"


def test_streamed_tool_use_is_accumulated_by_the_sdk(client: anthropic.Anthropic) -> None:
    with client.messages.stream(
        model=MODEL,
        max_tokens=200,
        messages=[{"role": "user", "content": "Weather?"}],
        tools=[WEATHER_TOOL],  # type: ignore[list-item]
        extra_headers={"X-FakeLLM-Scenario": "tools"},
    ) as stream:
        final = stream.get_final_message()
    use = final.content[-1]
    assert use.type == "tool_use"
    assert isinstance(use.input, dict)
    assert "city" in use.input
    assert final.stop_reason == "tool_use"


def test_a_tool_result_without_its_tool_use_is_refused(client: anthropic.Anthropic) -> None:
    with pytest.raises(anthropic.BadRequestError) as caught:
        client.messages.create(
            model=MODEL,
            max_tokens=50,
            messages=[{"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_x", "content": "1"}]}],
        )
    assert "unexpected `tool_use_id`" in str(caught.value)


def test_thinking_blocks_with_signatures(client: anthropic.Anthropic) -> None:
    thinking: Any = {"type": "enabled", "budget_tokens": 1024}
    message = client.messages.create(
        model=MODEL,
        max_tokens=2048,
        thinking=thinking,
        messages=[{"role": "user", "content": "Why is the sky blue?"}],
        extra_headers={"X-FakeLLM-Scenario": "reasoning"},
    )
    kinds = [b.type for b in message.content]
    assert kinds == ["thinking", "text"]
    block = message.content[0]
    assert block.type == "thinking"
    assert "Why is the sky blue?" in block.thinking
    assert block.signature
    assert block.signature.startswith("E")
    with client.messages.stream(
        model=MODEL,
        max_tokens=2048,
        thinking=thinking,
        messages=[{"role": "user", "content": "Why is the sky blue?"}],
        extra_headers={"X-FakeLLM-Scenario": "reasoning"},
    ) as stream:
        events = [e.type for e in stream]
        final = stream.get_final_message()
    assert "thinking" in events
    assert "signature" in events
    streamed = final.content[0]
    assert streamed.type == "thinking"
    assert streamed.thinking == block.thinking
    assert streamed.signature == block.signature  # the same thought signs the same way
    assert final.usage.output_tokens == message.usage.output_tokens


def test_thinking_is_not_shown_unless_asked(client: anthropic.Anthropic) -> None:
    message = client.messages.create(
        model=MODEL, max_tokens=200, messages=ECHO, extra_headers={"X-FakeLLM-Scenario": "reasoning"}
    )
    assert [b.type for b in message.content] == ["text"]


def test_thinking_budget_is_checked(client: anthropic.Anthropic) -> None:
    with pytest.raises(anthropic.BadRequestError, match="budget_tokens: Input should be greater than or equal to 1024"):
        client.messages.create(
            model=MODEL, max_tokens=2048, thinking={"type": "enabled", "budget_tokens": 100}, messages=ECHO
        )
    with pytest.raises(anthropic.BadRequestError, match=re.escape("must be greater than `thinking.budget_tokens`")):
        client.messages.create(
            model=MODEL, max_tokens=1024, thinking={"type": "enabled", "budget_tokens": 1024}, messages=ECHO
        )


def test_count_tokens_equals_the_usage_of_the_same_request(client: anthropic.Anthropic) -> None:
    request: dict[str, Any] = {
        "model": MODEL,
        "system": "You are terse.",
        "messages": [{"role": "user", "content": "Repeat with me: one two three"}],
        "tools": [WEATHER_TOOL],
    }
    counted = client.messages.count_tokens(**request)
    message = client.messages.create(max_tokens=100, **request)
    assert counted.input_tokens == message.usage.input_tokens > 0
    shorter = client.messages.count_tokens(model=MODEL, messages=[{"role": "user", "content": "hi"}])
    assert shorter.input_tokens < counted.input_tokens


def test_529_is_retried_by_the_sdk(llm: FakeLLM) -> None:
    llm.clear()
    retrying = anthropic.Anthropic(base_url=llm.base_urls("overloaded-once")["anthropic"], api_key="k", max_retries=2)
    message = retrying.messages.create(model=MODEL, max_tokens=50, messages=ECHO)
    assert message.content[0].type == "text"
    assert message.content[0].text == "Repeat with me: blue sky"
    statuses = [e.status for e in llm.requests]
    assert statuses == [529, 200]
    assert llm.requests[0].fault is not None or llm.requests[0].ended == "fault"


def test_529_without_retries_is_an_overloaded_error(llm: FakeLLM) -> None:
    client = anthropic.Anthropic(base_url=llm.base_urls("overloaded")["anthropic"], api_key="k", max_retries=0)
    with pytest.raises(anthropic.OverloadedError) as caught:
        client.messages.create(model=MODEL, max_tokens=50, messages=ECHO)
    body = caught.value.body
    assert isinstance(body, dict)
    assert body["type"] == "error"
    assert body["error"] == {"type": "overloaded_error", "message": "Overloaded"}
    assert body["request_id"] == caught.value.request_id


def test_models_list_and_retrieve(client: anthropic.Anthropic, llm: FakeLLM) -> None:
    models = list(client.models.list(limit=2))  # the SDK pages through them all
    ids = [m.id for m in models]
    assert "fakellm/echo" in ids
    assert len(ids) == len(set(ids)) > 2
    assert all(m.type == "model" for m in models)
    assert llm.requests.last.dialect == "anthropic"
    one = client.models.retrieve("claude-opus-4-1-20250805")
    assert (one.id, one.display_name, one.type) == ("claude-opus-4-1-20250805", "Claude Opus 4.1", "model")


def test_missing_max_tokens_and_version_are_400s(llm: FakeLLM) -> None:
    client = anthropic.Anthropic(base_url=llm.anthropic_base_url, api_key="k", max_retries=0)
    with pytest.raises(anthropic.BadRequestError) as caught:  # what a client that forgets max_tokens sends
        client.post("/v1/messages", body={"model": MODEL, "messages": ECHO}, cast_to=object)
    assert isinstance(caught.value.body, dict)
    assert caught.value.body["error"] == {"type": "invalid_request_error", "message": "max_tokens: Field required"}
    unversioned = anthropic.Anthropic(
        base_url=llm.anthropic_base_url,
        api_key="k",
        max_retries=0,
        default_headers={"anthropic-version": anthropic.omit},  # type: ignore[dict-item]
    )
    with pytest.raises(anthropic.BadRequestError) as caught:
        unversioned.messages.create(model=MODEL, max_tokens=10, messages=ECHO)
    assert caught.value.body == {
        "type": "error",
        "error": {"type": "invalid_request_error", "message": "anthropic-version: header is required"},
        "request_id": caught.value.request_id,
    }


def test_a_midstream_error_is_raised_by_the_stream(llm: FakeLLM) -> None:
    client = anthropic.Anthropic(base_url=llm.anthropic_base_url, api_key="k", max_retries=0)
    seen: list[str] = []

    def read(scenario: str) -> None:
        with client.messages.stream(
            model=MODEL, max_tokens=100, messages=ECHO, extra_headers={"X-FakeLLM-Scenario": scenario}
        ) as stream:
            for text in stream.text_stream:
                seen.append(text)

    with pytest.raises(anthropic.APIStatusError) as caught:
        read("overloaded-midstream")
    assert seen == ["one", " two"]
    assert "overloaded_error" in str(caught.value)
    assert llm.requests.last.status == 200
    with pytest.raises(anthropic.APIStatusError, match="api_error"):
        read("midstream-error")
