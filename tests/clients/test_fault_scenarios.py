"""The built-in fault scenarios, reached by path with the openai SDK and raw bytes."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import httpx2
import openai
import pytest

from fakellm.config import ServerConfig
from fakellm.server.app import FakeLLMApp
from fakellm.testing.server_thread import ServerThread
from tests.support.faultkit import STREAM_TIMEOUTS

MESSAGES: Any = [{"role": "user", "content": "hello"}]


@pytest.fixture(scope="module")
def builtin() -> Iterator[ServerThread]:
    thread = ServerThread(FakeLLMApp(ServerConfig())).start()
    yield thread
    thread.stop()


@pytest.fixture
def url(builtin: ServerThread) -> str:
    builtin.app.pipeline.faults.reset()
    return builtin.url


def sdk(url: str, scenario: str, **options: Any) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{url}/s/{scenario}/v1", api_key="sk-test", **options)


def collect(stream: Any, seen: list[str]) -> None:
    for chunk in stream:
        if chunk.choices:
            seen.append(chunk.choices[0].delta.content or "")


def test_flaky_by_path_fails_every_second_request(url: str) -> None:
    statuses = [
        httpx.post(f"{url}/s/flaky/v1/chat/completions", json={"model": "m", "messages": MESSAGES}).status_code
        for _ in range(4)
    ]
    assert statuses == [200, 503, 200, 503]


def test_rate_limited_by_path_gives_429_with_retry_headers(url: str) -> None:
    path = f"{url}/s/rate-limited/v1/chat/completions"
    responses = [httpx.post(path, json={"model": "m", "messages": MESSAGES}) for _ in range(6)]
    assert [r.status_code for r in responses] == [200] * 5 + [429]
    assert responses[4].headers["x-ratelimit-remaining-requests"] == "0"
    assert int(responses[5].headers["retry-after"]) >= 1
    assert responses[5].json()["error"]["code"] == "rate_limit_exceeded"


def test_midstream_error_by_path_raises_in_the_sdk(url: str) -> None:
    stream = sdk(url, "midstream-error").chat.completions.create(model="m", messages=MESSAGES, stream=True)
    seen: list[str] = []
    with pytest.raises(openai.APIError):
        collect(stream, seen)
    assert len([s for s in seen if s]) == 3


def test_disconnect_by_path_ends_without_a_terminator(url: str) -> None:
    stream = sdk(url, "disconnect", max_retries=0).chat.completions.create(model="m", messages=MESSAGES, stream=True)
    with pytest.raises((openai.APIError, httpx2.HTTPError)):
        collect(stream, [])


def test_stall_by_path_trips_the_read_timeout(url: str) -> None:
    api = sdk(url, "stall", timeout=0.5, max_retries=0)
    stream = api.chat.completions.create(model="m", messages=MESSAGES, stream=True)
    with pytest.raises(STREAM_TIMEOUTS):
        collect(stream, [])


def test_malformed_by_path_breaks_a_chunk(url: str) -> None:
    body = httpx.post(
        f"{url}/s/malformed/v1/chat/completions", json={"model": "m", "messages": MESSAGES, "stream": True}
    ).content
    events = [e for e in body.split(b"\n\n") if e.startswith(b"data: {")]
    assert any(not e.endswith(b"}") for e in events)


def test_slow_by_path_has_a_long_first_token(url: str) -> None:
    started = time.monotonic()
    stream = sdk(url, "slow").chat.completions.create(model="m", messages=MESSAGES, stream=True)
    for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            break
    assert time.monotonic() - started >= 1.3
