"""anthropic.Anthropic against a real fakellm server, continued: keys, rate limits, scenario selection,
the beta and async clients, stream faults, replies obeying the request, strict models."""

from __future__ import annotations

import asyncio
from typing import Any

import anthropic
import pydantic
import pytest

from fakellm.testing.harness import FakeLLM
from fakellm.tokens import split_tokens
from tests.support.anthropic_requests import ECHO, MODEL, WEATHER_TOOL


@pytest.fixture
def client(llm: FakeLLM) -> anthropic.Anthropic:
    llm.clear()
    return anthropic.Anthropic(base_url=llm.anthropic_base_url, api_key=llm.api_key, max_retries=0)


def test_keys_by_x_api_key_or_bearer_when_the_server_wants_one() -> None:
    with FakeLLM(api_key="sk-ant-test-123456") as llm:
        good = anthropic.Anthropic(base_url=llm.anthropic_base_url, api_key=llm.api_key, max_retries=0)
        assert good.messages.create(model=MODEL, max_tokens=10, messages=ECHO).content
        assert llm.requests.last.headers["authorization"].startswith("Bearer ")
        assert llm.api_key not in llm.requests.last.headers["authorization"]
        legacy = anthropic.Anthropic(
            base_url=llm.anthropic_base_url,
            api_key=None,
            auth_token=None,
            default_headers={"x-api-key": llm.api_key, "authorization": anthropic.omit},  # type: ignore[dict-item]
            max_retries=0,
        )
        assert legacy.messages.create(model=MODEL, max_tokens=10, messages=ECHO).content
        assert llm.api_key not in llm.requests.last.headers["x-api-key"]  # masked in the journal
        wrong = anthropic.Anthropic(base_url=llm.anthropic_base_url, api_key="sk-ant-wrong-000000", max_retries=0)
        with pytest.raises(anthropic.AuthenticationError) as caught:
            wrong.messages.create(model=MODEL, max_tokens=10, messages=ECHO)
        assert isinstance(caught.value.body, dict)
        assert caught.value.body["error"]["type"] == "authentication_error"


def test_rate_limits_answer_with_anthropics_headers() -> None:
    with FakeLLM() as llm:
        llm.add_scenario(
            {
                "name": "tight",
                "defaults": {"rate_limit": {"requests_per_minute": 1}},
                "rules": [{"name": "echo", "reply": {"echo": True}}],
            }
        )
        client = anthropic.Anthropic(base_url=llm.base_urls("tight")["anthropic"], api_key="k", max_retries=0)
        raw = client.messages.with_raw_response.create(model=MODEL, max_tokens=10, messages=ECHO)
        assert raw.headers["anthropic-ratelimit-requests-limit"] == "1"
        assert raw.headers["anthropic-ratelimit-requests-remaining"] == "0"
        assert raw.headers["anthropic-ratelimit-requests-reset"].endswith("Z")
        assert "anthropic-ratelimit-input-tokens-limit" in raw.headers
        with pytest.raises(anthropic.RateLimitError) as caught:
            client.messages.create(model=MODEL, max_tokens=10, messages=ECHO)
        assert int(caught.value.response.headers["retry-after"]) >= 1
        assert isinstance(caught.value.body, dict)
        assert caught.value.body["error"]["type"] == "rate_limit_error"


def test_scenario_by_path_header_and_model(llm: FakeLLM) -> None:
    by_path = anthropic.Anthropic(base_url=llm.base_urls("lorem")["anthropic"], api_key="k", max_retries=0)
    by_path.messages.create(model=MODEL, max_tokens=50, messages=ECHO)
    assert llm.requests.last.scenario == "lorem"
    client = anthropic.Anthropic(base_url=llm.anthropic_base_url, api_key="k", max_retries=0)
    client.messages.create(model="fakellm/lorem", max_tokens=50, messages=ECHO)
    assert llm.requests.last.scenario == "lorem"
    client.messages.create(model=MODEL, max_tokens=50, messages=ECHO, extra_headers={"X-FakeLLM-Scenario": "lorem"})
    assert llm.requests.last.scenario == "lorem"


def test_beta_client_and_async_streaming(llm: FakeLLM) -> None:
    client = anthropic.Anthropic(base_url=llm.anthropic_base_url, api_key="k", max_retries=0)
    beta = client.beta.messages.create(
        model=MODEL, max_tokens=50, messages=ECHO, betas=["interleaved-thinking-2025-05-14"]
    )
    assert beta.content[0].type == "text"
    assert beta.content[0].text == "blue sky"
    assert llm.requests.last.headers["anthropic-beta"] == "interleaved-thinking-2025-05-14"

    async def main() -> tuple[list[str], str]:
        async_client = anthropic.AsyncAnthropic(base_url=llm.anthropic_base_url, api_key="k", max_retries=0)
        async with async_client.messages.stream(model=MODEL, max_tokens=50, messages=ECHO) as stream:
            pieces = [text async for text in stream.text_stream]
            final = await stream.get_final_message()
        return pieces, final.content[0].text if final.content[0].type == "text" else ""

    pieces, text = asyncio.run(main())
    assert pieces == ["blue", " sky"]
    assert text == "blue sky"


def test_rules_match_on_the_anthropic_dialect_and_see_the_request(llm: FakeLLM) -> None:
    llm.add_scenario(
        {
            "name": "per-dialect",
            "rules": [
                {"name": "claude", "match": {"dialect": "anthropic"}, "reply": {"text": "hello from the Messages API"}},
                {"name": "other", "reply": {"text": "hello from elsewhere"}},
            ],
        }
    )
    client = anthropic.Anthropic(base_url=llm.base_urls("per-dialect")["anthropic"], api_key="k", max_retries=0)
    choice: Any = {"type": "any", "disable_parallel_tool_use": True}
    tools: Any = [WEATHER_TOOL]
    message = client.messages.create(
        model=MODEL, max_tokens=50, messages=ECHO, tools=tools, tool_choice=choice, stop_sequences=["STOP"]
    )
    # `any` forces a tool call whatever the rule says, as Claude would (the obey stage); the rule still chose.
    assert [block.type for block in message.content] == ["tool_use"]
    assert message.stop_reason == "tool_use"
    assert llm.requests.last.rule == "claude"
    request = llm.requests.last.request
    assert request is not None
    assert (request.tool_choice.mode, request.parallel_tool_calls, request.stop) == ("required", False, ("STOP",))
    assert [tool.name for tool in request.tools] == ["get_weather"]


def test_the_sdk_finds_the_server_from_env(llm: FakeLLM, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in llm.env().items():
        monkeypatch.setenv(name, value)
    client = anthropic.Anthropic(max_retries=0)  # only ANTHROPIC_BASE_URL and ANTHROPIC_API_KEY tell it where
    message = client.messages.create(model=MODEL, max_tokens=20, messages=ECHO)
    assert message.content[0].type == "text"
    assert message.content[0].text == "blue sky"
    assert llm.requests.last.dialect == "anthropic"


def test_stream_faults_reach_the_sdk_as_they_would_from_anthropic(llm: FakeLLM) -> None:
    client = anthropic.Anthropic(base_url=llm.anthropic_base_url, api_key="k", max_retries=0)
    ask: list[Any] = [{"role": "user", "content": "Repeat with me: one two three four five six seven"}]

    def read(scenario: str, prompt: list[Any] = ask) -> list[str]:
        seen: list[str] = []
        with client.messages.stream(
            model=MODEL, max_tokens=100, messages=prompt, extra_headers={"X-FakeLLM-Scenario": scenario}
        ) as stream:
            for text in stream.text_stream:
                seen.append(text)
        return seen

    with pytest.raises(anthropic.APIConnectionError):
        read("disconnect")
    assert llm.requests.last.fault == "disconnect"
    with pytest.raises(ValueError, match="Unterminated string"):  # the SDK's JSON parser on a cut event
        read("malformed")
    unnamed: list[Any] = [{"role": "user", "content": "missing_data_prefix please"}]
    broken = "".join(read("malformed", unnamed))
    entry = llm.requests.last
    assert entry.fault == "malformed:missing_data_prefix"
    pieces = split_tokens(entry.text)
    assert broken == "".join(pieces[:1] + pieces[2:])  # the SDK skips the event whose `data:` name is gone


class City(pydantic.BaseModel):
    name: str
    population: int


def test_every_reply_obeys_stop_sequences_tool_choice_and_output_format(client: anthropic.Anthropic) -> None:
    said: list[Any] = [{"role": "user", "content": "Repeat with me: blue sky today"}]
    cut = client.messages.create(model=MODEL, max_tokens=100, messages=said, stop_sequences=["sky"])
    assert (cut.stop_reason, cut.stop_sequence) == ("stop_sequence", "sky")
    assert [(b.type, getattr(b, "text", None)) for b in cut.content] == [("text", "blue ")]
    with client.messages.stream(model=MODEL, max_tokens=100, messages=said, stop_sequences=["sky"]) as stream:
        streamed = stream.get_final_message()
    assert (streamed.stop_reason, streamed.stop_sequence) == ("stop_sequence", "sky")
    tools: Any = [WEATHER_TOOL, {"name": "other", "input_schema": {"type": "object"}}]
    ask: list[Any] = [{"role": "user", "content": "hi"}]
    tools_scenario = {"X-FakeLLM-Scenario": "tools"}
    never = client.messages.create(
        model=MODEL,
        max_tokens=100,
        messages=ask,
        tools=tools,
        tool_choice={"type": "none"},
        extra_headers=tools_scenario,
    )
    assert [b.type for b in never.content] == ["text"]
    assert never.stop_reason == "end_turn"
    named = client.messages.create(
        model=MODEL, max_tokens=100, messages=ask, tools=tools, tool_choice={"type": "tool", "name": "other"}
    )
    assert [(b.type, getattr(b, "name", None)) for b in named.content] == [("tool_use", "other")]
    assert named.stop_reason == "tool_use"
    parsed = client.messages.parse(model=MODEL, max_tokens=200, messages=ask, output_format=City)
    assert isinstance(parsed.parsed_output, City)


def test_strict_models_refuse_an_unknown_claude_as_anthropic_does() -> None:
    with FakeLLM(strict_models=True) as strict:
        client = anthropic.Anthropic(base_url=strict.anthropic_base_url, api_key="k", max_retries=0)
        known = client.messages.create(model="claude-haiku-4-5", max_tokens=20, messages=ECHO)
        assert known.model == "claude-haiku-4-5-20251001"
        with pytest.raises(anthropic.NotFoundError) as caught:
            client.messages.create(model="claude-does-not-exist", max_tokens=20, messages=ECHO)
        assert isinstance(caught.value.body, dict)
        assert caught.value.body["error"] == {"type": "not_found_error", "message": "model: claude-does-not-exist"}
        with pytest.raises(anthropic.NotFoundError):
            client.messages.count_tokens(model="claude-does-not-exist", messages=ECHO)
        with pytest.raises(anthropic.NotFoundError):
            client.models.retrieve("claude-does-not-exist")
        assert client.models.retrieve("claude-opus-4-1").id == "claude-opus-4-1-20250805"
