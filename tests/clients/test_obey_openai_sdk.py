"""The obey stage through the official openai SDK: structured outputs (`.parse`, `.stream`, json_object),
tool choice with two tools offered, and stop sequences, against a real server on a free port."""

from __future__ import annotations

import json
from typing import Any, Literal

import openai
import pytest
from pydantic import BaseModel, Field

from fakellm.context import RequestContext
from fakellm.model import ChatRequest, Reply, ToolCall
from fakellm.scenarios import Outcome
from fakellm.testing.harness import FakeLLM


class Attendee(BaseModel):
    name: str
    email: str = Field(pattern=r"^\S+@\S+\.\S+$")


class Event(BaseModel):
    name: str
    date: str = Field(description="ISO date", pattern=r"^\d{4}-\d{2}-\d{2}$")
    kind: Literal["meeting", "party", "call"]
    room: str = Field(pattern=r"^[A-Z]{3}-\d{2}$")
    attendees: list[Attendee]
    capacity: int = Field(ge=1, le=500)
    note: str | None


TOOLS: list[Any] = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
        },
    },
    {
        "type": "function",
        "function": {
            "name": "get_time",
            "parameters": {
                "type": "object",
                "properties": {"tz": {"type": "string", "pattern": "^[A-Z]{3}$"}},
                "required": ["tz"],
                "additionalProperties": False,
            },
            "strict": True,
        },
    },
]
ASK = [{"role": "user", "content": "Alice and Bob meet on Friday in room ABC-12."}]


@pytest.fixture
def client(llm: FakeLLM) -> openai.OpenAI:
    llm.clear()
    return openai.OpenAI(base_url=f"{llm.url}/v1", api_key="sk-test", max_retries=0)


def test_parse_gives_a_valid_pydantic_object(client: openai.OpenAI, llm: FakeLLM) -> None:
    completion = client.chat.completions.parse(model="gpt-4o", messages=ASK, response_format=Event)  # type: ignore[arg-type]
    choice = completion.choices[0]
    event = choice.message.parsed
    assert isinstance(event, Event)
    assert choice.finish_reason == "stop"
    assert Event.model_validate_json(choice.message.content or "") == event
    assert "a value was generated" in llm.requests.last.adjustments[0]


def test_parse_is_reproducible_under_the_request_seed(client: openai.OpenAI) -> None:
    def parsed(seed: int) -> Event | None:
        kwargs: dict[str, Any] = {"model": "gpt-4o", "messages": ASK, "response_format": Event, "seed": seed}
        return client.chat.completions.parse(**kwargs).choices[0].message.parsed

    assert parsed(7) == parsed(7)
    assert parsed(7) != parsed(8)


def test_stream_parse_gives_the_same_kind_of_object(client: openai.OpenAI) -> None:
    kwargs: dict[str, Any] = {"model": "gpt-4o", "messages": ASK, "response_format": Event}
    with client.chat.completions.stream(**kwargs) as stream:
        chunks = [event for event in stream if event.type == "content.delta"]
        final = stream.get_final_completion()
    assert len(chunks) > 1
    assert isinstance(final.choices[0].message.parsed, Event)


def test_json_object_gets_a_json_object(client: openai.OpenAI) -> None:
    completion = client.chat.completions.create(
        model="gpt-4o",
        messages=[{"role": "user", "content": "Answer in JSON: hello"}],
        response_format={"type": "json_object"},
    )
    assert isinstance(json.loads(completion.choices[0].message.content or ""), dict)


class Visit(BaseModel):
    city: str
    code: str = Field(pattern=r"^[A-Z]{3}$")
    nights: int


def test_json_object_follows_a_schema_the_prompt_shows(client: openai.OpenAI) -> None:
    # instructor's JSON mode: response_format json_object, and the schema in the system prompt
    system = (
        "As a genius expert, your task is to understand the content and provide the parsed objects in json "
        f"that match the following json_schema:\n\n{json.dumps(Visit.model_json_schema(), indent=2)}\n\n"
        "Make sure to return an instance of the JSON, not the schema itself"
    )
    completion = client.chat.completions.create(
        model="gpt-4o",
        messages=[{"role": "system", "content": system}, {"role": "user", "content": "Three nights in Lisbon"}],
        response_format={"type": "json_object"},
    )
    visit = Visit.model_validate_json(completion.choices[0].message.content or "")
    assert visit.code.isupper()
    assert len(visit.code) == 3


def test_a_scenarios_text_that_fits_is_sent_as_it_is(client: openai.OpenAI) -> None:
    given = '{"a":1}'
    completion = client.chat.completions.create(
        model="gpt-4o",
        messages=[{"role": "user", "content": given}],
        response_format={"type": "json_schema", "json_schema": {"name": "A", "schema": {"type": "object"}}},
    )
    assert completion.choices[0].message.content == given


def call_tools(client: openai.OpenAI, tool_choice: Any, model: str = "fakellm/tools") -> Any:
    return client.chat.completions.create(
        model=model,
        messages=[{"role": "user", "content": "What time is it in Paris?"}],
        tools=TOOLS,
        tool_choice=tool_choice,
    ).choices[0]


def test_a_named_tool_choice_calls_that_tool_not_the_first(client: openai.OpenAI) -> None:
    choice = call_tools(client, {"type": "function", "function": {"name": "get_time"}})
    [call] = choice.message.tool_calls
    assert call.function.name == "get_time"
    assert len(json.loads(call.function.arguments)["tz"]) == 3


def test_tool_choice_none_gets_text_and_no_call(client: openai.OpenAI) -> None:
    choice = call_tools(client, "none")
    assert not choice.message.tool_calls
    assert choice.message.content
    assert choice.finish_reason == "stop"


def test_tool_choice_required_gets_a_call_even_from_the_echo_scenario(client: openai.OpenAI) -> None:
    choice = call_tools(client, "required", model="gpt-4o")
    assert [c.function.name for c in choice.message.tool_calls] == ["get_weather"]
    assert choice.finish_reason == "tool_calls"


def test_required_after_a_tool_result_calls_the_tool_not_yet_called(client: openai.OpenAI) -> None:
    first = call_tools(client, "required")
    call = first.message.tool_calls[0]
    messages: list[Any] = [
        {"role": "user", "content": "What time is it in Paris?"},
        {"role": "assistant", "tool_calls": [call.model_dump()]},
        {"role": "tool", "tool_call_id": call.id, "content": "sunny"},
    ]
    second = client.chat.completions.create(
        model="fakellm/tools", messages=messages, tools=TOOLS, tool_choice="required"
    )
    assert [c.function.name for c in second.choices[0].message.tool_calls or []] == ["get_time"]


def test_stop_ends_the_text_before_the_first_stop_sequence(client: openai.OpenAI) -> None:
    completion = client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": "one two END three"}], stop=["END"]
    )
    assert completion.choices[0].message.content == "one two "
    assert completion.choices[0].finish_reason == "stop"
    chunks = client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": "one two END three"}], stop="END", stream=True
    )
    texts = [c.choices[0].delta.content or "" for c in chunks if c.choices]
    assert "".join(texts) == "one two "


class AlwaysCalls:
    """A scenario written in Python that always calls get_weather, whatever the request allows."""

    name = "always-calls"
    description = "calls get_weather"

    def respond(self, request: ChatRequest, ctx: RequestContext) -> Outcome:
        call = ToolCall(id="call_1", name="get_weather", arguments='{"city": "Oslo"}')
        return Outcome([Reply(tool_calls=[call])], rule="always")

    def model_ids(self) -> list[str]:
        return []

    def reset(self) -> None:
        return None


def test_a_python_scenarios_replies_obey_too(client: openai.OpenAI, llm: FakeLLM) -> None:
    llm.add_scenario(AlwaysCalls())
    none = call_tools(client, "none", model="fakellm/always-calls")
    assert not none.message.tool_calls
    assert none.message.content
    named = call_tools(client, {"type": "function", "function": {"name": "get_time"}}, model="fakellm/always-calls")
    assert [c.function.name for c in named.message.tool_calls] == ["get_time"]
    assert "dropped the tool call(s) get_weather" in llm.requests.last.adjustments[0]


def test_reasoning_effort_none_leaves_the_reasoning_out(client: openai.OpenAI, llm: FakeLLM) -> None:
    def reasoning_tokens(**kwargs: Any) -> int:
        completion = client.chat.completions.create(
            model="fakellm/reasoning", messages=[{"role": "user", "content": "why?"}], **kwargs
        )
        assert completion.usage is not None
        assert completion.usage.completion_tokens_details is not None
        return completion.usage.completion_tokens_details.reasoning_tokens or 0

    assert reasoning_tokens() > 0
    assert reasoning_tokens(reasoning_effort="low") > 0
    assert reasoning_tokens(reasoning_effort="none") == 0
    assert llm.requests.last.adjustments == ["reasoning_effort none: the reasoning was left out"]
