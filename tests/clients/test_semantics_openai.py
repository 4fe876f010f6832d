"""openai.OpenAI against a real fakellm server: logprobs (stream and not), tool-choice finish reasons and
parsing, `models.retrieve`, and OpenAI's 400s for what a request asks of the answer."""

from __future__ import annotations

from typing import Any

import httpx
import openai
import pytest
from openai.types.chat import ChatCompletionTokenLogprob

from fakellm.model import ToolChoice
from fakellm.testing.server_thread import ServerThread
from tests.support.dialect_support import ANSWER, FixedScenario

MESSAGES: list[Any] = [{"role": "user", "content": "Say hello"}]
TOOLS: list[Any] = [
    {"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}},
    {"type": "function", "function": {"name": "get_time", "parameters": {"type": "object"}}},
]


@pytest.fixture(scope="module")
def server(fixed_server: ServerThread) -> ServerThread:
    return fixed_server


def client_for(server: ServerThread, scenario: str = "text") -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{server.url}/s/{scenario}/v1", api_key="sk-test", max_retries=0)


def check_entry(entry: ChatCompletionTokenLogprob, top: int) -> None:
    assert entry.bytes == list(entry.token.encode("utf-8"))
    assert entry.logprob < 0
    assert len(entry.top_logprobs) == top
    tokens = [t.token for t in entry.top_logprobs]
    assert len(set(tokens)) == top, "the alternatives are distinct tokens"
    assert tokens[0] == entry.token
    assert all(t.logprob <= entry.logprob for t in entry.top_logprobs)
    assert [t.logprob for t in entry.top_logprobs] == sorted((t.logprob for t in entry.top_logprobs), reverse=True)
    assert all(t.bytes == list(t.token.encode("utf-8")) for t in entry.top_logprobs)


def test_logprobs_of_a_whole_reply(server: ServerThread) -> None:
    completion = client_for(server).chat.completions.create(
        model="gpt-4o", messages=MESSAGES, logprobs=True, top_logprobs=3
    )
    choice = completion.choices[0]
    assert choice.message.content == ANSWER
    assert choice.logprobs is not None
    assert choice.logprobs.content is not None
    assert choice.logprobs.refusal is None
    assert "".join(e.token for e in choice.logprobs.content) == ANSWER
    for entry in choice.logprobs.content:
        check_entry(entry, 3)
    again = client_for(server).chat.completions.create(model="gpt-4o", messages=MESSAGES, logprobs=True, top_logprobs=3)
    assert again.choices[0].logprobs == choice.logprobs, "the same reply gets the same numbers"


def test_logprobs_stream_one_entry_per_token_chunk(server: ServerThread) -> None:
    chunks = list(
        client_for(server).chat.completions.create(
            model="gpt-4o", messages=MESSAGES, logprobs=True, top_logprobs=3, stream=True
        )
    )
    text_chunks = [c for c in chunks if c.choices and c.choices[0].delta.content]
    assert len(text_chunks) > 1
    for chunk in text_chunks:
        logprobs = chunk.choices[0].logprobs
        assert logprobs is not None
        assert logprobs.content is not None
        (entry,) = logprobs.content
        assert entry.token == chunk.choices[0].delta.content
        check_entry(entry, 3)
    assert "".join(c.choices[0].delta.content or "" for c in text_chunks) == ANSWER
    first, last = chunks[0].choices[0], chunks[-1].choices[0]
    assert first.delta.role == "assistant"
    assert first.logprobs is not None
    assert first.logprobs.content == []
    assert last.finish_reason == "stop"
    assert last.logprobs is None
    whole = client_for(server).chat.completions.create(model="gpt-4o", messages=MESSAGES, logprobs=True, top_logprobs=3)
    assert whole.choices[0].logprobs is not None
    streamed = [c.choices[0].logprobs.content[0] for c in text_chunks if c.choices[0].logprobs]  # type: ignore[index]
    assert streamed == whole.choices[0].logprobs.content, "stream and body frame the same numbers"


def test_without_logprobs_there_are_none(server: ServerThread) -> None:
    completion = client_for(server).chat.completions.create(model="gpt-4o", messages=MESSAGES)
    assert completion.choices[0].logprobs is None
    chunks = list(client_for(server).chat.completions.create(model="gpt-4o", messages=MESSAGES, stream=True))
    assert all(c.choices[0].logprobs is None for c in chunks if c.choices)


def test_top_logprobs_without_logprobs_is_openais_400(server: ServerThread) -> None:
    with pytest.raises(openai.BadRequestError) as raised:
        client_for(server).chat.completions.create(model="gpt-4o", messages=MESSAGES, top_logprobs=3)
    assert isinstance(raised.value.body, dict)
    assert raised.value.body["param"] == "top_logprobs"
    assert raised.value.body["type"] == "invalid_request_error"


@pytest.mark.parametrize(
    ("choice", "neutral", "finish"),
    [
        ({"type": "function", "function": {"name": "get_weather"}}, ToolChoice("named", ("get_weather",)), "stop"),
        ("required", ToolChoice("required"), "tool_calls"),
        ("auto", ToolChoice("auto"), "tool_calls"),
    ],
)
@pytest.mark.parametrize("stream", [False, True])
def test_tool_choice_reaches_the_request_and_sets_openais_finish_reason(
    server: ServerThread,
    scenarios: dict[str, FixedScenario],
    choice: Any,
    neutral: ToolChoice,
    finish: str,
    stream: bool,
) -> None:
    client = client_for(server, "tool")
    if stream:
        chunks = list(
            client.chat.completions.create(
                model="gpt-4o", messages=MESSAGES, tools=TOOLS, tool_choice=choice, stream=True
            )
        )
        reason = next(c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason)
    else:
        completion = client.chat.completions.create(model="gpt-4o", messages=MESSAGES, tools=TOOLS, tool_choice=choice)
        assert completion.choices[0].message.tool_calls
        reason = completion.choices[0].finish_reason
    assert scenarios["tool"].requests[-1].tool_choice == neutral
    assert reason == finish


def test_a_named_tool_that_was_not_offered_is_refused(server: ServerThread) -> None:
    with pytest.raises(openai.BadRequestError) as raised:
        client_for(server, "tool").chat.completions.create(
            model="gpt-4o",
            messages=MESSAGES,
            tools=TOOLS,
            tool_choice={"type": "function", "function": {"name": "get_news"}},
        )
    assert isinstance(raised.value.body, dict)
    assert "no function named 'get_news'" in raised.value.body["message"]


def test_models_retrieve(server: ServerThread) -> None:
    client = openai.OpenAI(base_url=f"{server.url}/v1", api_key="sk-test", max_retries=0)
    model = client.models.retrieve("gpt-4o")
    assert (model.id, model.object, model.owned_by) == ("gpt-4o", "model", "fakellm")
    assert model.created > 0
    assert client_for(server).models.retrieve("fakellm/echo").id == "fakellm/echo"  # `/` sent as %2F
    assert client.models.retrieve("ft:gpt-4o-mini:org::abc123").id == "ft:gpt-4o-mini:org::abc123"


@pytest.mark.parametrize(
    "path", ["/v1/models/gpt-4o", "/models/gpt-4o", "/s/text/v1/models/gpt-4o", "/v1/models/gpt-4o/"]
)
def test_model_routes_in_every_dressing(server: ServerThread, path: str) -> None:
    response = httpx.get(server.url + path)
    assert response.status_code == 200
    assert response.content == b'{"id":"gpt-4o","object":"model","created":1700000000,"owned_by":"fakellm"}'
    assert response.headers["content-type"] == "application/json"
