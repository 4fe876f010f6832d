"""The proxy's edges: the OpenAI SDK hanging up after [DONE], a barge-in, errors and 429s recorded and
replayed, a dialect without an upstream, an upstream that is down, and redaction."""

from __future__ import annotations

import time
from pathlib import Path

import groq
import httpx
import openai
import pytest
from openai import OpenAI

from fakellm import cli
from fakellm.record.redact import MASK
from fakellm.testing.harness import FakeLLM
from tests.record.conftest import KEY, recorder, rules
from tests.support.captured import GROQ_429, GROQ_STREAM, OPENAI_STREAM


def _settled(llm: FakeLLM, timeout: float = 5.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        entry = llm.requests.last
        if entry.ended != "pending":
            return entry.ended
        time.sleep(0.02)
    return "pending"


def test_the_openai_sdk_closing_right_after_done_loses_nothing(tmp_path: Path, standin) -> None:  # type: ignore[no-untyped-def]
    app, url = standin
    app.queue("Say hello", OPENAI_STREAM)  # the upstream keeps the body open 1 s past [DONE]
    out = tmp_path / "done.yaml"
    with recorder(out, openai=url) as proxy:
        client = OpenAI(base_url=proxy.openai_base_url, api_key=KEY, max_retries=0)
        stream = client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "Say hello"}], stream=True
        )
        text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
        deadline = time.monotonic() + 5
        while proxy.stats.recorded < 1 and time.monotonic() < deadline:
            time.sleep(0.01)
    assert text == "Hello there"
    assert proxy.stats.hung_up == 1  # the SDK went at [DONE], before the upstream ended its body
    (rule,) = rules(out)
    assert rule["replies"][0] == {"text": "Hello there", "usage": {"prompt_tokens": 12, "completion_tokens": 2}}
    assert "hung_up_ms" not in rule["timing"]
    assert "hung up" not in rule["name"]
    assert len(rule["timing"]["chunk_offsets_ms"]) == 2


def test_a_barge_in_is_recorded_as_a_hang_up_and_cancels_the_upstream_request(
    tmp_path: Path, upstream: FakeLLM
) -> None:
    out = tmp_path / "barge.yaml"
    body = {"model": "gpt-4o-mini", "stream": True, "messages": [{"role": "user", "content": "a long story"}]}
    with recorder(out, openai=upstream.url) as proxy:
        with httpx.stream("POST", proxy.openai_base_url + "/chat/completions", json=body) as response:
            events = 0
            for line in response.iter_lines():
                events += line.startswith("data: ")
                if events == 4:
                    break  # the user spoke over the answer
        deadline = time.monotonic() + 5
        while proxy.stats.recorded < 1 and time.monotonic() < deadline:
            time.sleep(0.01)
    assert _settled(upstream) == "disconnected"  # the upstream saw its request go
    (rule,) = rules(out)
    assert "hung up" in rule["name"]
    assert rule["timing"]["hung_up_ms"] >= rule["timing"]["ttft_ms"]
    recorded_text = rule["replies"][0]["text"]
    assert recorded_text
    assert len(recorded_text) < 200
    assert cli.main(["validate", str(out)]) == 0
    # Replayed, the recording gives what came before the hang-up and then nothing: it never claims an ending.
    received: list[bytes] = []
    with FakeLLM([out], default_scenario="rec", builtin=False) as replay:
        url = replay.openai_base_url + "/chat/completions"
        with httpx.stream("POST", url, json=body, timeout=1.0) as response, pytest.raises(httpx.ReadTimeout):
            received.extend(response.iter_bytes())
    answer = b"".join(received)
    assert b"[DONE]" not in answer
    assert b'"finish_reason":"stop"' not in answer
    assert answer.count(b"data: ") >= 2


def test_errors_and_429s_are_recorded_and_replayed_in_order(tmp_path: Path, standin) -> None:  # type: ignore[no-untyped-def]
    app, url = standin
    app.queue("Which fruit?", GROQ_429, GROQ_STREAM)
    out = tmp_path / "limits.yaml"
    with recorder(out, "limits", groq=url) as proxy:
        client = groq.Groq(base_url=proxy.groq_base_url, api_key=KEY, max_retries=0)
        messages = [{"role": "user", "content": "Which fruit?"}]
        with pytest.raises(groq.RateLimitError) as first:
            client.chat.completions.create(model="llama-3.3-70b-versatile", messages=messages)  # type: ignore[arg-type]
        stream = client.chat.completions.create(model="llama-3.3-70b-versatile", messages=messages, stream=True)  # type: ignore[arg-type]
        text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    assert text == "Strawberry"
    error = rules(out)[0]["error"]
    assert error["status"] == 429
    assert error["code"] == "rate_limit_exceeded"
    assert error["retry_after"] == 2
    assert cli.main(["validate", str(out)]) == 0

    with FakeLLM([out], default_scenario="limits", builtin=False) as replay:
        client = groq.Groq(base_url=replay.groq_base_url, api_key="x", max_retries=0)
        with pytest.raises(groq.RateLimitError) as again:
            client.chat.completions.create(model="llama-3.3-70b-versatile", messages=messages)  # type: ignore[arg-type]
        stream = client.chat.completions.create(model="llama-3.3-70b-versatile", messages=messages, stream=True)  # type: ignore[arg-type]
        assert "".join(c.choices[0].delta.content or "" for c in stream if c.choices) == "Strawberry"
    assert again.value.response.headers["retry-after"] == "2"
    assert _message(again.value.body) == _message(first.value.body)
    assert "Limit 12000, Used 2542" in _message(again.value.body)


def _message(body: object) -> str:
    assert isinstance(body, dict)
    inner = body.get("error", body)
    assert isinstance(inner, dict)
    return str(inner["message"])


def test_a_dialect_without_an_upstream_gets_a_502_in_its_own_shape(tmp_path: Path, upstream: FakeLLM) -> None:
    with recorder(tmp_path / "x.yaml", openai=upstream.url) as proxy:
        gemini = httpx.post(
            proxy.url + "/v1beta/models/gemini-2.0-flash:generateContent",
            json={"contents": [{"parts": [{"text": "hi"}]}]},
        )
        groq_route = httpx.post(proxy.url + "/openai/v1/chat/completions", json={"model": "m", "messages": []})
    assert gemini.status_code == 502
    assert gemini.json()["error"]["code"] == 502
    assert "--upstream gemini=" in gemini.json()["error"]["message"]
    assert groq_route.status_code == 502
    assert "--upstream groq=" in groq_route.json()["error"]["message"]


def test_an_upstream_that_is_down_gets_a_502_and_nothing_is_recorded(tmp_path: Path) -> None:
    out = tmp_path / "down.yaml"
    with recorder(out, openai="http://127.0.0.1:9") as proxy:
        client = OpenAI(base_url=proxy.openai_base_url, api_key=KEY, max_retries=0)
        with pytest.raises(Exception, match="could not reach the openai upstream"):
            client.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}])
    assert rules(out) == []
    assert cli.main(["validate", str(out)]) == 0


def test_redact_patterns_and_the_clients_key_never_reach_the_file(tmp_path: Path, upstream: FakeLLM) -> None:
    from fakellm.record.upstreams import Upstreams
    from fakellm.testing.recorder import Recorder

    out = tmp_path / "redacted.yaml"
    secret = "my card is 4111-1111-1111-1111"
    with Recorder(Upstreams({"openai": upstream.url}), out, "r", redact=(r"\d{4}(-\d{4}){3}",)) as proxy:
        client = OpenAI(base_url=proxy.openai_base_url, api_key=KEY, max_retries=0)
        client.chat.completions.create(model="m", messages=[{"role": "user", "content": f"{secret}, key {KEY}"}])
    text = out.read_text(encoding="utf-8")
    assert "4111" not in text
    assert KEY not in text
    (rule,) = rules(out)
    assert rule["match"]["user"]["equals"] == f"my card is {MASK}, key {MASK}"


def test_the_clients_headers_go_upstream_as_sent_and_hop_by_hop_ones_do_not(tmp_path: Path, standin) -> None:  # type: ignore[no-untyped-def]
    app, url = standin
    app.queue("headers", OPENAI_STREAM)
    body = {"model": "m", "stream": True, "messages": [{"role": "user", "content": "headers"}]}
    sent = {"authorization": f"Bearer {KEY}", "x-custom": "kept", "accept-encoding": "br, gzip", "te": "trailers"}
    sent["user-agent"] = "my-app/1.0"
    with recorder(tmp_path / "h.yaml", openai=url) as proxy:
        httpx.post(proxy.openai_base_url + "/chat/completions", json=body, headers=sent)
    headers = app.seen[0][2]
    assert headers["authorization"] == f"Bearer {KEY}"
    assert headers["x-custom"] == "kept"
    assert headers["accept-encoding"] == "gzip"  # what the recorder can read back
    assert "te" not in headers
    assert headers["user-agent"] == "my-app/1.0"  # the client's own, not one the proxy's HTTP client adds
    assert headers["host"] == url.removeprefix("http://")


def test_embeddings_and_model_lists_are_relayed_but_not_recorded(tmp_path: Path, upstream: FakeLLM) -> None:
    out = tmp_path / "other.yaml"
    with recorder(out, openai=upstream.url, gemini=upstream.url) as proxy:
        embedded = httpx.post(
            proxy.openai_base_url + "/embeddings", json={"model": "text-embedding-3-small", "input": "hi"}
        )
        gemini = httpx.post(
            proxy.url + "/v1beta/models/gemini-embedding-001:embedContent",
            json={"content": {"parts": [{"text": "hi"}]}},
            headers={"x-goog-api-key": KEY},
        )
        models = httpx.get(proxy.openai_base_url + "/models")
        stats = proxy.stats
    assert embedded.status_code == 200
    assert len(embedded.json()["data"][0]["embedding"]) == 1536
    assert gemini.status_code == 200
    assert models.status_code == 200
    assert rules(out) == []
    assert stats.forwarded == 3
    assert len(stats.not_recorded) == 2  # the embeddings, said so; the model list is not a chat


def test_other_sites_pages_and_other_host_names_are_refused(tmp_path: Path, upstream: FakeLLM) -> None:
    body = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
    with recorder(tmp_path / "hosts.yaml", openai=upstream.url) as proxy:
        url = proxy.openai_base_url + "/chat/completions"
        page = httpx.post(url, json=body, headers={"origin": "https://evil.example", "sec-fetch-site": "cross-site"})
        rebound = httpx.post(url, json=body, headers={"host": "evil.example"})
    assert page.status_code == 403
    assert rebound.status_code == 421
    assert len(upstream.requests) == 0


def test_an_error_after_the_200_is_recorded_and_replayed_after_the_content(tmp_path: Path, standin) -> None:  # type: ignore[no-untyped-def]
    from tests.support.captured import OPENAI_MIDSTREAM_ERROR

    app, url = standin
    app.queue("Go on", OPENAI_MIDSTREAM_ERROR)
    out = tmp_path / "midstream.yaml"

    def ask(base_url: str) -> tuple[str, str]:
        client = OpenAI(base_url=base_url, api_key=KEY, max_retries=0)
        received: list[str] = []
        stream = client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "Go on"}], stream=True
        )
        with pytest.raises(openai.APIError) as failed:
            received.extend(c.choices[0].delta.content or "" if c.choices else "" for c in stream)
        return "".join(received), failed.value.message

    with recorder(out, "midstream", openai=url) as proxy:
        recorded = ask(proxy.openai_base_url)
    (rule,) = rules(out)
    assert rule["stream"] == {"error_after": "end", "error_message": recorded[1]}
    with FakeLLM([out], default_scenario="midstream", builtin=False) as replay:
        replayed = ask(replay.openai_base_url)
    assert replayed == recorded == ("Hello", recorded[1])
    assert "apologize" in recorded[1]
