"""The official SDKs wait as long before retrying an injected 429 as before retrying a real rate limit's:
both carry the provider's retry headers, so the SDK honours them instead of falling back to its own
jittered backoff. The SDK's sleep is recorded, not slept."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import groq
import groq._base_client
import openai
import openai._base_client
import pytest

from fakellm import FakeLLM

HELLO: Any = [{"role": "user", "content": "hi"}]
LIMITED = {"name": "one-a-minute", "defaults": {"rate_limit": {"requests_per_minute": 1}}}
INJECTED = {"name": "injected-429", "defaults": {"error": {"status": 429, "retry_after": 60}}}


@pytest.fixture(scope="module")
def llm() -> Iterator[FakeLLM]:
    with FakeLLM(scenarios=[LIMITED, INJECTED]) as server:
        yield server


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    slept: list[float] = []
    monkeypatch.setattr(openai._base_client.time, "sleep", slept.append)
    monkeypatch.setattr(groq._base_client.time, "sleep", slept.append)
    return slept


def openai_waits(url: str, slept: list[float], **headers: str) -> list[float]:
    client = openai.OpenAI(base_url=url + "/v1", api_key="sk-t", max_retries=2, default_headers=headers)
    slept.clear()
    with pytest.raises(openai.RateLimitError):
        client.chat.completions.create(model="gpt-4o-mini", messages=HELLO)
    return list(slept)


def groq_waits(url: str, slept: list[float]) -> list[float]:
    client = groq.Groq(base_url=url, api_key="gsk", max_retries=2)
    slept.clear()
    with pytest.raises(groq.RateLimitError):
        client.chat.completions.create(model="llama-3.3-70b-versatile", messages=HELLO)
    return list(slept)


def test_openai_waits_the_same_for_an_injected_429_as_for_a_rate_limit(llm: FakeLLM, sleeps: list[float]) -> None:
    client = openai.OpenAI(base_url=llm.url + "/s/one-a-minute/v1", api_key="sk-t", max_retries=0)
    client.chat.completions.create(model="gpt-4o-mini", messages=HELLO)  # the minute's one request
    limited = openai_waits(llm.url + "/s/one-a-minute", sleeps)
    injected = openai_waits(llm.url + "/s/injected-429", sleeps)
    assert limited == injected == [60.0, 60.0]


def test_groq_waits_the_same_for_an_injected_429_as_for_a_rate_limit(llm: FakeLLM, sleeps: list[float]) -> None:
    client = groq.Groq(base_url=llm.url + "/s/one-a-minute", api_key="gsk", max_retries=0)
    client.chat.completions.create(model="llama-3.3-70b-versatile", messages=HELLO)
    assert groq_waits(llm.url + "/s/one-a-minute", sleeps) == groq_waits(llm.url + "/s/injected-429", sleeps)


def test_an_injected_429_from_a_header_is_honoured_not_backed_off(llm: FakeLLM, sleeps: list[float]) -> None:
    # Without retry headers the SDK would back off 0.5 s, 1 s… with jitter; with them it waits exactly 1 s.
    assert openai_waits(llm.url, sleeps, **{"X-FakeLLM-Error-Status": "429"}) == [1.0, 1.0]
