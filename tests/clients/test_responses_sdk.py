"""The official `openai` SDK's `client.responses` against a real fakellm server on a free port."""

from __future__ import annotations

import asyncio
import json

import openai
import pytest
from pydantic import BaseModel

from fakellm import FakeLLM

WEATHER_TOOL = {
    "type": "function",
    "name": "get_weather",
    "description": "The weather in a city",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
        "additionalProperties": False,
    },
    "strict": True,
}


@pytest.fixture
def client(llm: FakeLLM) -> openai.OpenAI:
    llm.clear()
    return openai.OpenAI(base_url=llm.openai_base_url, api_key="sk-test", max_retries=0)


@pytest.mark.parametrize("path", ["/v1", "", "/s/echo/v1"])
def test_create_text(llm: FakeLLM, path: str) -> None:
    client = openai.OpenAI(base_url=llm.url + path, api_key="sk-test", max_retries=0)
    response = client.responses.create(
        model="gpt-4.1", input="Repeat with me: hello responses", instructions="Be kind."
    )
    assert response.object == "response"
    assert response.id.startswith("resp_")
    assert len(response.id) == len("resp_") + 50
    assert response.status == "completed"
    assert response.output_text == "hello responses"
    assert response.instructions == "Be kind."
    message = response.output[0]
    assert message.type == "message"
    assert message.id.startswith("msg_")
    assert message.status == "completed"
    assert response.usage is not None
    assert response.usage.output_tokens == 2
    assert response.usage.total_tokens == response.usage.input_tokens + 2
    assert response.usage.input_tokens_details.cached_tokens == 0
    assert llm.requests[-1].dialect == "responses"


def test_input_items_as_messages_and_parts(client: openai.OpenAI) -> None:
    response = client.responses.create(
        model="gpt-4.1",
        input=[
            {"role": "developer", "content": "Answer briefly."},
            {
                "role": "user",
                "content": [
                    {"type": "input_text", "text": "What is on this image?"},
                    {"type": "input_image", "image_url": "https://example.com/a.png"},
                ],
            },
        ],
    )
    assert response.output_text == "What is on this image?"


def test_tool_call_round_trip(client: openai.OpenAI) -> None:
    first = client.responses.create(model="fakellm/tools", input="Weather in Paris?", tools=[WEATHER_TOOL])  # type: ignore[list-item]
    call = first.output[0]
    assert call.type == "function_call"
    assert call.id.startswith("fc_")
    assert call.call_id.startswith("call_")
    assert call.name == "get_weather"
    assert set(json.loads(call.arguments)) == {"city"}
    second = client.responses.create(
        model="fakellm/tools",
        tools=[WEATHER_TOOL],  # type: ignore[list-item]
        input=[
            {"role": "user", "content": "Weather in Paris?"},
            {"type": "function_call", "call_id": call.call_id, "name": call.name, "arguments": call.arguments},
            {"type": "function_call_output", "call_id": call.call_id, "output": '{"temp": 21}'},
        ],
    )
    assert second.output_text == 'The tool returned: {"temp": 21}'


def test_reasoning_items_with_a_summary(client: openai.OpenAI) -> None:
    response = client.responses.create(
        model="fakellm/reasoning",
        input="Why is the sky blue?",
        reasoning={"effort": "low", "summary": "auto"},
        include=["reasoning.encrypted_content"],
    )
    reasoning, message = response.output
    assert reasoning.type == "reasoning"
    assert reasoning.id.startswith("rs_")
    assert reasoning.summary
    assert reasoning.summary[0].type == "summary_text"
    assert reasoning.summary[0].text
    assert reasoning.encrypted_content
    assert reasoning.encrypted_content.startswith("gAAAAAB")
    assert message.type == "message"
    assert response.output_text
    assert response.reasoning is not None
    assert response.reasoning.effort == "low"
    assert response.usage is not None
    assert response.usage.output_tokens_details.reasoning_tokens > 0
    plain = client.responses.create(model="fakellm/reasoning", input="Why?")
    assert plain.output[0].type == "reasoning"
    assert plain.output[0].summary == []


class Weather(BaseModel):
    city: str
    temperature: float


def test_parse_with_a_pydantic_text_format(client: openai.OpenAI) -> None:
    parsed = client.responses.parse(model="gpt-4.1", input="Weather in Paris as JSON", text_format=Weather)
    assert isinstance(parsed.output_parsed, Weather)
    sent = client.responses.with_raw_response.create(
        model="gpt-4.1", input="x", text={"format": {"type": "json_object"}}
    )
    assert json.loads(sent.text)["text"]["format"] == {"type": "json_object"}


def test_stream_with_get_final_response(client: openai.OpenAI) -> None:
    with client.responses.stream(model="gpt-4.1", input="Repeat with me: one two three four") as stream:
        events = list(stream)
        final = stream.get_final_response()
    assert [e.sequence_number for e in events] == list(range(len(events)))
    kinds = [e.type for e in events]
    assert kinds[:4] == ["response.created", "response.in_progress", "response.output_item.added",
                         "response.content_part.added"]  # fmt: skip
    assert kinds.count("response.output_text.delta") == 4
    assert kinds[-4:] == ["response.output_text.done", "response.content_part.done", "response.output_item.done",
                          "response.completed"]  # fmt: skip
    assert final.output_text == "one two three four"
    assert final.status == "completed"
    assert final.usage is not None
    assert final.usage.output_tokens == 4
    assert final.id == events[0].response.id  # type: ignore[union-attr]


def test_stream_of_tool_calls_and_summaries(client: openai.OpenAI) -> None:
    with client.responses.stream(model="fakellm/tools", input="Weather?", tools=[WEATHER_TOOL]) as stream:  # type: ignore[list-item]
        kinds = [e.type for e in stream]
        final = stream.get_final_response()
    assert "response.function_call_arguments.delta" in kinds
    assert "response.function_call_arguments.done" in kinds
    assert final.output[0].type == "function_call"
    assert json.loads(final.output[0].arguments)
    with client.responses.stream(model="fakellm/reasoning", input="Why?", reasoning={"summary": "detailed"}) as stream:
        kinds = [e.type for e in stream]
    for kind in ("response.reasoning_summary_part.added", "response.reasoning_summary_text.delta",
                 "response.reasoning_summary_text.done", "response.reasoning_summary_part.done"):  # fmt: skip
        assert kind in kinds


def test_async_stream(llm: FakeLLM) -> None:
    async def run() -> str:
        client = openai.AsyncOpenAI(base_url=llm.openai_base_url, api_key="sk-test", max_retries=0)
        async with client.responses.stream(model="gpt-4.1", input="Repeat with me: async works") as stream:
            async for _ in stream:
                pass
            final = await stream.get_final_response()
        return final.output_text

    assert asyncio.run(run()) == "async works"


def test_max_output_tokens_makes_the_response_incomplete(client: openai.OpenAI) -> None:
    words = " ".join(f"w{i}" for i in range(40))
    response = client.responses.create(model="gpt-4.1", input=f"Repeat with me: {words}", max_output_tokens=16)
    assert response.status == "incomplete"
    assert response.incomplete_details is not None
    assert response.incomplete_details.reason == "max_output_tokens"
    assert response.output_text == " ".join(f"w{i}" for i in range(16))
    assert response.output[0].status == "incomplete"
    with client.responses.stream(model="gpt-4.1", input=f"Repeat with me: {words}", max_output_tokens=16) as stream:
        kinds = [e.type for e in stream]
    assert kinds[-1] == "response.incomplete"


def test_previous_response_id_across_three_turns(llm: FakeLLM, client: openai.OpenAI) -> None:
    first = client.responses.create(model="gpt-4.1", input="first turn", instructions="Be brief.")
    second = client.responses.create(model="gpt-4.1", input="second turn", previous_response_id=first.id)
    third = client.responses.create(model="gpt-4.1", input="third turn", previous_response_id=second.id)
    assert third.output_text == "third turn"
    assert third.previous_response_id == second.id
    sent = llm.requests[-1].request
    assert sent is not None
    assert [(m.role, m.text) for m in sent.messages] == [
        ("user", "first turn"),
        ("assistant", "first turn"),
        ("user", "second turn"),
        ("assistant", "second turn"),
        ("user", "third turn"),
    ]  # fmt: skip (instructions are not carried over, as OpenAI documents)


def test_retrieve_input_items_delete_and_cancel(client: openai.OpenAI) -> None:
    created = client.responses.create(model="gpt-4.1", input=[{"role": "user", "content": "a"},
                                                               {"role": "user", "content": "b"}])  # fmt: skip
    again = client.responses.retrieve(created.id)
    assert again.id == created.id
    assert again.output_text == created.output_text
    items = client.responses.input_items.list(created.id)
    assert [i.content[0].text for i in items.data] == ["b", "a"]  # type: ignore[union-attr]  # newest first
    assert items.first_id == items.data[0].id
    assert not items.has_more
    ascending = client.responses.input_items.list(created.id, order="asc", limit=1)
    assert len(ascending.data) == 1
    assert ascending.has_more
    with pytest.raises(openai.BadRequestError, match="background=true"):
        client.responses.cancel(created.id)
    raw = client.responses.with_raw_response.delete(created.id)
    assert json.loads(raw.text) == {"id": created.id, "object": "response", "deleted": True}
    with pytest.raises(openai.NotFoundError, match=f"Response with id '{created.id}' not found."):
        client.responses.retrieve(created.id)


def test_store_false_is_not_retrievable(client: openai.OpenAI) -> None:
    response = client.responses.create(model="gpt-4.1", input="not kept", store=False)
    assert response.store is False
    with pytest.raises(openai.NotFoundError):
        client.responses.retrieve(response.id)
    with pytest.raises(openai.BadRequestError) as caught:
        client.responses.create(model="gpt-4.1", input="next", previous_response_id=response.id)
    assert caught.value.code == "previous_response_not_found"
    assert caught.value.param == "previous_response_id"  # type: ignore[attr-defined]


def test_bad_input_is_a_400_naming_the_field(client: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        client.responses.create(model="gpt-4.1", input=[{"role": "user"}])  # type: ignore[list-item]
    assert caught.value.param == "input[0].content"  # type: ignore[attr-defined]
    with pytest.raises(openai.BadRequestError, match=r"text\.format\.name"):
        client.responses.create(model="gpt-4.1", input="x", text={"format": {"type": "json_schema", "schema": {}}})  # type: ignore[typeddict-item]


def test_errors_and_sdk_retries(llm: FakeLLM) -> None:
    client = openai.OpenAI(base_url=llm.openai_base_url, api_key="sk-test", max_retries=2)
    llm.clear()
    for _ in range(2):
        response = client.responses.create(model="fakellm/flaky", input="hello")
        assert response.status == "completed"
        assert response.output_text
    assert [e.status for e in llm.requests] == [200, 503, 200]  # the SDK retried the 503
    llm.clear()
    with pytest.raises(openai.RateLimitError) as caught:
        client.with_options(max_retries=1).responses.create(
            model="gpt-4.1", input="x", extra_headers={"X-FakeLLM-Error-Status": "429"}
        )
    assert [e.status for e in llm.requests] == [429, 429]  # the SDK retried the injected 429 once
    assert caught.value.response.headers["retry-after"]  # as the real 429 carries it
    assert caught.value.response.headers["x-ratelimit-remaining-requests"] == "0"
    limited = client.with_options(max_retries=0)
    for _ in range(5):  # the scenario's budget is 5 requests a minute
        limited.responses.create(model="fakellm/rate-limited", input="x")
    with pytest.raises(openai.RateLimitError) as caught:
        limited.responses.create(model="fakellm/rate-limited", input="x")
    headers = caught.value.response.headers
    assert headers["retry-after"]
    assert headers["x-ratelimit-remaining-requests"] == "0"
    assert caught.value.code == "rate_limit_exceeded"


def test_a_wrong_key_is_refused(llm: FakeLLM) -> None:
    with FakeLLM(api_key="sk-right") as guarded:
        client = openai.OpenAI(base_url=guarded.openai_base_url, api_key="sk-wrong-key-1234", max_retries=0)
        with pytest.raises(openai.AuthenticationError) as caught:
            client.responses.create(model="gpt-4.1", input="x")
        assert caught.value.code == "invalid_api_key"
        right = openai.OpenAI(base_url=guarded.openai_base_url, api_key="sk-right", max_retries=0)
        made = right.responses.create(model="gpt-4.1", input="x")
        with pytest.raises(openai.AuthenticationError):  # the stored-response routes check the key too
            client.responses.retrieve(made.id)
        assert right.responses.retrieve(made.id).id == made.id


def test_azure_routes(llm: FakeLLM) -> None:
    azure = openai.AzureOpenAI(azure_endpoint=llm.url, api_key="any", api_version="2025-04-01-preview", max_retries=0)
    response = azure.responses.create(model="gpt-4o", input="Repeat with me: hello Azure")
    assert response.output_text == "hello Azure"
    assert response.model == "gpt-4o-2024-11-20"
    assert azure.responses.retrieve(response.id).id == response.id
    v1 = openai.OpenAI(base_url=llm.url + "/openai/v1/", api_key="any", max_retries=0)
    assert v1.responses.create(model="gpt-4o", input="Repeat with me: v1").output_text == "v1"
    with pytest.raises(openai.NotFoundError):  # Azure's store is its own
        openai.OpenAI(base_url=llm.openai_base_url, api_key="x", max_retries=0).responses.retrieve(response.id)
    assert llm.requests[-2].dialect == "azure_responses"


@pytest.mark.parametrize("status", [500, 429])
def test_a_stream_that_fails_midway_fails_in_the_sdk(llm: FakeLLM, status: int) -> None:
    name = f"breaks-{status}"
    llm.add_scenario({"name": name, "defaults": {"stream": {"error_after": 2, "error_status": status}},
                      "rules": [{"reply": {"text": "one two three four"}}]})  # fmt: skip
    client = openai.OpenAI(base_url=llm.url + f"/s/{name}/v1", api_key="sk-test", max_retries=0)
    seen: list[str] = []
    if status == 500:  # the model failed: `response.failed`, and no final response
        with client.responses.stream(model="gpt-4.1", input="x") as stream:
            seen = [event.type for event in stream]
            with pytest.raises(RuntimeError, match=r"response\.completed"):
                stream.get_final_response()
        assert seen[-1] == "response.failed"
    else:  # an `error` event: the SDK raises while iterating
        with (
            pytest.raises(openai.APIError, match="Rate limit"),
            client.responses.stream(model="gpt-4.1", input="x") as stream,
        ):
            seen.extend(event.type for event in stream)
    assert seen.count("response.output_text.delta") == 2


def test_logprobs_when_include_asks_for_them(client: openai.OpenAI) -> None:
    asked = {"include": ["message.output_text.logprobs"], "top_logprobs": 2}
    response = client.responses.create(model="gpt-4.1", input="Repeat with me: hello there world", **asked)  # type: ignore[arg-type]
    part = response.output[0].content[0]  # type: ignore[union-attr]
    assert [lp.token for lp in part.logprobs] == ["hello", " there", " world"]  # type: ignore[union-attr]
    assert all(len(lp.top_logprobs) == 2 and lp.top_logprobs[0].token == lp.token for lp in part.logprobs)  # type: ignore[union-attr]
    assert response.top_logprobs == 2
    with client.responses.stream(model="gpt-4.1", input="Repeat with me: hello there", **asked) as stream:  # type: ignore[arg-type]
        deltas = [e for e in stream if e.type == "response.output_text.delta"]
    assert [[lp.token for lp in d.logprobs] for d in deltas] == [["hello"], [" there"]]
    plain = client.responses.create(model="gpt-4.1", input="no logprobs")
    assert plain.output[0].content[0].logprobs == []  # type: ignore[union-attr]
