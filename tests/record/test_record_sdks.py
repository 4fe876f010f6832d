"""Recording through the proxy with the official SDKs, then replaying with the upstream stopped."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
from google import genai
from google.genai import types
from groq import Groq
from openai import OpenAI

from fakellm import cli
from fakellm.testing.harness import FakeLLM
from tests.record.conftest import KEY, TTFT_MS, WEATHER_TOOL, recorder, rules


def _stream(client: OpenAI, text: str) -> tuple[str, tuple[int, int], float]:
    """The streamed text, the usage, and the client's time to the first content."""
    started, first, parts, usage = time.monotonic(), 0.0, [], (0, 0)
    stream = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": text}],
        stream=True,
        stream_options={"include_usage": True},
    )
    for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            first = first or time.monotonic() - started
            parts.append(chunk.choices[0].delta.content)
        if chunk.usage is not None:
            usage = (chunk.usage.prompt_tokens, chunk.usage.completion_tokens)
    return "".join(parts), usage, first


def _tool_round_trip(client: OpenAI | Groq) -> tuple[str, str, str]:
    messages: list[dict[str, object]] = [{"role": "user", "content": "What is the weather in Paris?"}]
    first = client.chat.completions.create(model="gpt-4o-mini", messages=messages, tools=[WEATHER_TOOL])  # type: ignore[arg-type]
    call = first.choices[0].message.tool_calls[0]  # type: ignore[index]
    messages.append({"role": "assistant", "tool_calls": [call.model_dump()]})
    messages.append({"role": "tool", "tool_call_id": call.id, "content": '{"sky": "sunny"}'})
    second = client.chat.completions.create(model="gpt-4o-mini", messages=messages, tools=[WEATHER_TOOL])  # type: ignore[arg-type]
    return call.function.name, call.function.arguments, second.choices[0].message.content or ""


def test_openai_stream_plain_and_tools_recorded_then_replayed_offline(tmp_path: Path, upstream: FakeLLM) -> None:
    out = tmp_path / "session.yaml"
    with recorder(out, "session", openai=upstream.url) as proxy:
        client = OpenAI(base_url=proxy.openai_base_url, api_key=KEY, max_retries=0)
        streamed = _stream(client, "Tell me something")
        plain = client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "And?"}])
        tools = _tool_round_trip(client)
    assert streamed[0] == "You said: Tell me something. That is all I know about it."
    assert tools == ("get_weather", '{"city":"Paris"}', "It is sunny in Paris, 24 degrees.")
    assert cli.main(["validate", str(out)]) == 0
    assert KEY not in out.read_text(encoding="utf-8")
    recorded = rules(out)
    assert [r["match"]["user"]["equals"] for r in recorded] == [
        "Tell me something",
        "And?",
        "What is the weather in Paris?",
        "What is the weather in Paris?",
    ]
    assert recorded[3]["match"]["tool_result_of"] == "get_weather"
    recorded_ttft = recorded[0]["timing"]["ttft_ms"]
    assert recorded_ttft >= TTFT_MS
    upstream.stop()  # replay is offline

    with FakeLLM([out], default_scenario="session", builtin=False) as replay:
        client = OpenAI(base_url=replay.openai_base_url, api_key="anything", max_retries=0)
        again = _stream(client, "Tell me something")
        plain_again = client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "And?"}]
        )
        tools_again = _tool_round_trip(client)
        entries = replay.requests.wait(4)
    assert again[:2] == streamed[:2]  # text and usage
    assert plain_again.choices[0].message.content == plain.choices[0].message.content
    assert plain_again.usage is not None
    assert plain.usage is not None
    assert plain_again.usage.completion_tokens == plain.usage.completion_tokens
    assert tools_again == tools
    replay_ttft = entries[0].ttft_ms
    assert replay_ttft is not None
    assert abs(replay_ttft - recorded_ttft) < 40, (replay_ttft, recorded_ttft)


def test_client_sees_exactly_the_upstream_bytes(tmp_path: Path, standin) -> None:  # type: ignore[no-untyped-def]
    from tests.support.captured import GEMINI_SSE, GROQ_STREAM, OPENAI_404

    app, url = standin
    app.queue("hello", GROQ_STREAM)
    app.queue("hi", GEMINI_SSE)
    app.queue("wrong model", OPENAI_404)
    body = {"model": "llama-3.3-70b-versatile", "stream": True, "messages": [{"role": "user", "content": "hello"}]}
    with recorder(tmp_path / "bytes.yaml", groq=url, gemini=url, openai=url) as proxy:
        groq = httpx.post(
            proxy.url + "/openai/v1/chat/completions", json=body, headers={"authorization": f"Bearer {KEY}"}
        )
        gemini = httpx.post(
            proxy.url + "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse",
            json={"contents": [{"role": "user", "parts": [{"text": "hi"}]}]},
            headers={"x-goog-api-key": KEY},
        )
        wrong = httpx.post(
            proxy.url + "/v1/chat/completions",
            json={"model": "gpt-4.1-nano-wrong", "messages": [{"role": "user", "content": "wrong model"}]},
        )
    assert groq.content == GROQ_STREAM.body
    assert groq.headers["x-groq-region"] == "us-west-1"
    assert gemini.content == GEMINI_SSE.body
    assert gemini.headers["server"] == "scaffolding on HTTPServer2"
    assert (wrong.status_code, wrong.content) == (404, OPENAI_404.body)
    # The path, query and the client's own key went upstream unchanged.
    assert app.seen[1][0] == "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse"
    assert app.seen[1][2]["x-goog-api-key"] == KEY
    recorded = rules(tmp_path / "bytes.yaml")
    assert recorded[0]["replies"][0]["text"] == "Strawberry"
    assert recorded[0]["replies"][0]["usage"] == {"prompt_tokens": 210, "completion_tokens": 15}
    assert recorded[1]["replies"][0]["text"] == "Here you go!\n\n1.  **English:** Hi\n2.  **Italian:** Ciao"
    assert recorded[1]["replies"][0]["usage"] == {"prompt_tokens": 5, "completion_tokens": 230, "reasoning_tokens": 186}
    assert len(recorded[1]["timing"]["chunk_offsets_ms"]) == 2
    assert recorded[2]["error"] == {"status": 404, "message": OPENAI_404_MESSAGE, "code": "model_not_found"}
    assert KEY not in (tmp_path / "bytes.yaml").read_text(encoding="utf-8")


OPENAI_404_MESSAGE = "The model `gpt-4.1-nano-wrong` does not exist or you do not have access to it."


def test_google_genai_and_groq_recorded_then_replayed(tmp_path: Path, upstream: FakeLLM) -> None:
    out = tmp_path / "multi.yaml"
    with recorder(out, "multi", gemini=upstream.url, groq=upstream.url) as proxy:
        gemini = genai.Client(api_key=KEY, http_options=types.HttpOptions(base_url=proxy.gemini_base_url))
        streamed = "".join(
            c.text or "" for c in gemini.models.generate_content_stream(model="gemini-2.0-flash", contents="Hi")
        )
        whole = gemini.models.generate_content(model="gemini-2.0-flash", contents="Bye")
        groq = Groq(base_url=proxy.groq_base_url, api_key=KEY, max_retries=0)
        tools = _tool_round_trip(groq)
    assert streamed == "You said: Hi. That is all I know about it."
    assert cli.main(["validate", str(out)]) == 0
    assert KEY not in out.read_text(encoding="utf-8")
    upstream.stop()
    with FakeLLM([out], default_scenario="multi", builtin=False) as replay:
        gemini = genai.Client(api_key="x", http_options=types.HttpOptions(base_url=replay.gemini_base_url))
        again = "".join(
            c.text or "" for c in gemini.models.generate_content_stream(model="gemini-2.0-flash", contents="Hi")
        )
        whole_again = gemini.models.generate_content(model="gemini-2.0-flash", contents="Bye")
        tools_again = _tool_round_trip(Groq(base_url=replay.groq_base_url, api_key="x", max_retries=0))
    assert again == streamed
    assert whole_again.text == whole.text
    assert whole_again.usage_metadata is not None
    assert whole.usage_metadata is not None
    assert whole_again.usage_metadata.candidates_token_count == whole.usage_metadata.candidates_token_count
    assert whole_again.usage_metadata.prompt_token_count == whole.usage_metadata.prompt_token_count
    assert tools_again == tools


def test_recorded_via_openai_replays_to_google_genai_and_groq(tmp_path: Path, upstream: FakeLLM) -> None:
    out = tmp_path / "openai.yaml"
    with recorder(out, "openai-session", openai=upstream.url) as proxy:
        client = OpenAI(base_url=proxy.openai_base_url, api_key=KEY, max_retries=0)
        text, usage, _ = _stream(client, "Good morning")
        name, arguments, answer = _tool_round_trip(client)
    upstream.stop()
    with FakeLLM([out], default_scenario="openai-session", builtin=False) as replay:
        gemini = genai.Client(api_key="x", http_options=types.HttpOptions(base_url=replay.gemini_base_url))
        chunks = list(gemini.models.generate_content_stream(model="gemini-2.0-flash", contents="Good morning"))
        groq = Groq(base_url=replay.groq_base_url, api_key="x", max_retries=0)
        groq_tools = _tool_round_trip(groq)
    assert "".join(c.text or "" for c in chunks) == text
    metadata = chunks[-1].usage_metadata
    assert metadata is not None
    assert (metadata.prompt_token_count, metadata.candidates_token_count) == usage
    assert groq_tools == (name, arguments, answer)
    assert json.loads(arguments) == {"city": "Paris"}
