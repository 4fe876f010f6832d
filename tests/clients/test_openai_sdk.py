"""The official `openai` SDK, sync and async, against a real fakellm server on a free port."""

from __future__ import annotations

import asyncio

import openai
import pytest

from fakellm.testing.server_thread import ServerThread

HELLO = [{"role": "user", "content": "Hello there, fake model"}]


@pytest.fixture(params=["/v1", ""], ids=["v1-path", "bare-path"])
def client(server: ServerThread, request: pytest.FixtureRequest) -> openai.OpenAI:
    """Both URL styles BYO platforms use: `…/v1` (SDK default) and the bare root (`…/chat/completions`)."""
    return openai.OpenAI(base_url=server.url + request.param, api_key="sk-test", max_retries=0)


@pytest.fixture
def aclient(server: ServerThread) -> openai.AsyncOpenAI:
    return openai.AsyncOpenAI(base_url=server.url + "/v1", api_key="sk-test", max_retries=0)


def test_create_echoes_the_last_user_message(client: openai.OpenAI) -> None:
    completion = client.chat.completions.create(model="gpt-4o-mini", messages=HELLO)  # type: ignore[arg-type]
    assert completion.object == "chat.completion"
    assert completion.id.startswith("chatcmpl-")
    assert completion.model == "gpt-4o-mini-2024-07-18"  # the dated snapshot, as OpenAI reports it
    assert completion.choices[0].message.role == "assistant"
    assert completion.choices[0].message.content == "Hello there, fake model"
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage is not None
    assert completion.usage.completion_tokens == 4
    assert completion.usage.total_tokens == completion.usage.prompt_tokens + 4


def test_repeat_with_me_replies_only_the_phrase(client: openai.OpenAI) -> None:
    completion = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[
            {"role": "system", "content": "You are a voice agent."},
            {"role": "user", "content": "REPEAT WITH ME: the quick brown fox"},
        ],
    )
    assert completion.choices[0].message.content == "the quick brown fox"


def test_stream_yields_role_then_content_then_finish(client: openai.OpenAI) -> None:
    stream = client.chat.completions.create(model="gpt-4o-mini", messages=HELLO, stream=True)  # type: ignore[arg-type]
    chunks = list(stream)
    assert chunks[0].choices[0].delta.role == "assistant"
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == "Hello there, fake model"
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert all(c.usage is None for c in chunks)
    assert len({c.id for c in chunks}) == 1
    assert len({c.created for c in chunks}) == 1


def test_stream_include_usage_ends_with_a_usage_chunk(client: openai.OpenAI) -> None:
    stream = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=HELLO,  # type: ignore[arg-type]
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    last = chunks[-1]
    assert last.choices == []
    assert last.usage is not None
    assert last.usage.completion_tokens == 4
    assert last.usage.total_tokens == last.usage.prompt_tokens + last.usage.completion_tokens
    assert chunks[-2].choices[0].finish_reason == "stop"


def test_stream_helper_get_final_completion(client: openai.OpenAI) -> None:
    with client.chat.completions.stream(model="gpt-4o-mini", messages=HELLO) as stream:  # type: ignore[arg-type]
        deltas = [e.delta for e in stream if e.type == "content.delta"]
        final = stream.get_final_completion()
    assert "".join(deltas) == "Hello there, fake model"
    assert final.choices[0].message.content == "Hello there, fake model"
    assert final.choices[0].finish_reason == "stop"


def test_n2_returns_two_choices(client: openai.OpenAI) -> None:
    completion = client.chat.completions.create(model="gpt-4o-mini", messages=HELLO, n=2)  # type: ignore[arg-type]
    assert [c.index for c in completion.choices] == [0, 1]
    assert [c.message.content for c in completion.choices] == ["Hello there, fake model"] * 2


def test_n2_stream_accumulates_both_choices(client: openai.OpenAI) -> None:
    with client.chat.completions.stream(model="gpt-4o-mini", messages=HELLO, n=2) as stream:  # type: ignore[arg-type]
        final = stream.get_final_completion()
    assert [c.index for c in final.choices] == [0, 1]
    assert [c.message.content for c in final.choices] == ["Hello there, fake model"] * 2
    assert [c.finish_reason for c in final.choices] == ["stop", "stop"]


def test_content_parts_with_an_image_are_accepted(client: openai.OpenAI) -> None:
    completion = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "What is in "},
                    {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}},
                    {"type": "text", "text": "this picture?"},
                ],
            }
        ],
    )
    assert completion.choices[0].message.content == "What is in this picture?"


def test_models_list_includes_the_scenario_models(client: openai.OpenAI) -> None:
    ids = [m.id for m in client.models.list()]
    assert "fakellm/echo" in ids


def test_bad_request_raises_bad_request_error_with_param(client: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as info:
        client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user"}])  # type: ignore[typeddict-item]
    assert info.value.status_code == 400
    assert info.value.param == "messages[0].content"
    assert "messages[0].content" in info.value.message


def test_async_create_and_stream(aclient: openai.AsyncOpenAI) -> None:
    async def run() -> tuple[str | None, str, list[str]]:
        completion = await aclient.chat.completions.create(model="gpt-4o-mini", messages=HELLO)  # type: ignore[arg-type]
        stream = await aclient.chat.completions.create(
            model="gpt-4o-mini",
            messages=HELLO,  # type: ignore[arg-type]
            stream=True,
            stream_options={"include_usage": True},
        )
        text = ""
        shapes = []
        async for chunk in stream:
            text += "".join(c.delta.content or "" for c in chunk.choices)
            shapes.append("usage" if chunk.usage else "choice")
        await aclient.close()
        return completion.choices[0].message.content, text, shapes

    content, streamed, shapes = asyncio.run(run())
    assert content == "Hello there, fake model"
    assert streamed == "Hello there, fake model"
    assert shapes[-1] == "usage"
    assert shapes.count("usage") == 1


def test_async_stream_helper_n2_and_models(aclient: openai.AsyncOpenAI) -> None:
    async def run() -> tuple[list[str | None], list[str]]:
        async with aclient.chat.completions.stream(
            model="gpt-4o-mini",
            messages=HELLO,  # type: ignore[arg-type]
            n=2,
            stream_options={"include_usage": True},
        ) as stream:
            final = await stream.get_final_completion()
        models = [m.id async for m in aclient.models.list()]
        await aclient.close()
        return [c.message.content for c in final.choices], models

    contents, models = asyncio.run(run())
    assert contents == ["Hello there, fake model"] * 2
    assert "fakellm/echo" in models
