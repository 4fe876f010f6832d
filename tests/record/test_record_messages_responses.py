"""Recording the Anthropic Messages and OpenAI Responses dialects through the proxy with their SDKs, and
replaying them offline to their own SDK and across dialects."""

from __future__ import annotations

from pathlib import Path

import anthropic
from openai import OpenAI

from fakellm import cli
from fakellm.testing.harness import FakeLLM
from tests.record.conftest import KEY, recorder, rules

TOOL = {
    "name": "get_weather",
    "description": "The weather in a city.",
    "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}


def _claude_stream(client: anthropic.Anthropic, text: str) -> tuple[str, int, int]:
    with client.messages.stream(
        model="claude-sonnet-4-5", max_tokens=200, messages=[{"role": "user", "content": text}]
    ) as stream:
        final = stream.get_final_message()
    body = "".join(b.text for b in final.content if b.type == "text")
    return body, final.usage.input_tokens, final.usage.output_tokens


def _claude_tool(client: anthropic.Anthropic) -> tuple[str, dict[str, object]]:
    message = client.messages.create(
        model="claude-sonnet-4-5",
        max_tokens=200,
        tools=[TOOL],  # type: ignore[list-item]
        messages=[{"role": "user", "content": "What is the weather in Paris?"}],
    )
    (use,) = [b for b in message.content if b.type == "tool_use"]
    return use.name, dict(use.input)  # type: ignore[arg-type]


def test_anthropic_recorded_then_replayed_to_anthropic_and_openai(tmp_path: Path, upstream: FakeLLM) -> None:
    out = tmp_path / "claude.yaml"
    with recorder(out, "claude", anthropic=upstream.url) as proxy:
        client = anthropic.Anthropic(base_url=proxy.anthropic_base_url, api_key=KEY, max_retries=0)
        streamed = _claude_stream(client, "Hello Claude")
        tool = _claude_tool(client)
    assert streamed[0] == "You said: Hello Claude. That is all I know about it."
    assert tool == ("get_weather", {"city": "Paris"})
    assert cli.main(["validate", str(out)]) == 0
    assert KEY not in out.read_text(encoding="utf-8")
    assert rules(out)[0]["replies"][0]["usage"] == {"prompt_tokens": streamed[1], "completion_tokens": streamed[2]}
    upstream.stop()
    with FakeLLM([out], default_scenario="claude", builtin=False) as replay:
        client = anthropic.Anthropic(base_url=replay.anthropic_base_url, api_key="x", max_retries=0)
        assert _claude_stream(client, "Hello Claude") == streamed
        replay.reset()
        openai_client = OpenAI(base_url=replay.openai_base_url, api_key="x", max_retries=0)
        reply = openai_client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "Hello Claude"}]
        )
    assert reply.choices[0].message.content == streamed[0]


def test_responses_recorded_then_replayed_to_responses_and_chat(tmp_path: Path, upstream: FakeLLM) -> None:
    out = tmp_path / "responses.yaml"
    with recorder(out, "responses", openai=upstream.url) as proxy:  # Responses uses the openai upstream
        client = OpenAI(base_url=proxy.openai_base_url, api_key=KEY, max_retries=0)
        whole = client.responses.create(model="gpt-4.1-mini", input="Hello Responses")
        events = list(client.responses.create(model="gpt-4.1-mini", input="Stream it", stream=True))
    streamed = "".join(e.delta for e in events if e.type == "response.output_text.delta")
    assert whole.output_text == "You said: Hello Responses. That is all I know about it."
    assert streamed == "You said: Stream it. That is all I know about it."
    recorded = rules(out)
    assert [r["match"]["user"]["equals"] for r in recorded] == ["Hello Responses", "Stream it"]
    assert len(recorded[1]["timing"]["chunk_offsets_ms"]) > 3
    assert cli.main(["validate", str(out)]) == 0
    upstream.stop()
    with FakeLLM([out], default_scenario="responses", builtin=False) as replay:
        client = OpenAI(base_url=replay.openai_base_url, api_key="x", max_retries=0)
        again = client.responses.create(model="gpt-4.1-mini", input="Hello Responses")
        chat = client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "Stream it"}])
    assert again.output_text == whole.output_text
    assert again.usage is not None
    assert whole.usage is not None
    assert again.usage.output_tokens == whole.usage.output_tokens
    assert chat.choices[0].message.content == streamed
