"""The official `openai` SDK against injected faults: rate limits, retries, broken streams, latency."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx2
import openai
import pytest

from fakellm.testing.server_thread import ServerThread
from tests.support.faultkit import STREAM_TIMEOUTS, reset_faults, serve_faults

SCENARIOS: dict[str, dict[str, Any]] = {
    "limited": {"rate_limit": {"requests_per_minute": 60, "per": "global"}},
    "flaky": {"error": {"status": 503, "every": 2}},
    "quick-retry": {"error": {"status": 503, "first": 1, "retry_after_ms": 50}},
    "no-retry": {"error": {"status": 500, "should_retry": False}},
    "midstream": {"stream": {"error_after": 2, "error_status": 500}},
    "drop": {"stream": {"disconnect_after": 2}},
    "stall": {"stream": {"stall_after": 1, "stall_max_s": 10}},
}
MESSAGES: Any = [{"role": "user", "content": "one two three four five six seven eight"}]


@pytest.fixture(scope="module")
def server() -> Iterator[ServerThread]:
    with serve_faults(SCENARIOS) as thread:
        yield thread


@pytest.fixture
def fresh(server: ServerThread) -> ServerThread:
    reset_faults(server)
    return server


def client(server: ServerThread, scenario: str | None = None, **options: Any) -> openai.OpenAI:
    prefix = f"/s/{scenario}" if scenario else ""
    return openai.OpenAI(base_url=f"{server.url}{prefix}/v1", api_key="sk-test", **options)


def ask(api: openai.OpenAI, **extra: Any) -> str:
    completion = api.chat.completions.create(model="gpt-test", messages=MESSAGES, **extra)
    return completion.choices[0].message.content or ""


# --- rate limits --------------------------------------------------------------------------------


def spend_budget(server: ServerThread) -> None:
    """Use up the 60 requests of `limited` at once, as 60 requests would (one comes back every second).
    Done in-process: 60 real requests take long enough on a busy machine for the budget to refill."""
    for _ in range(60):
        server.app.pipeline.faults.limiter.acquire(("limited", "*"), 60, None, 0)


def test_rate_limit_error_with_retries_off_carries_headers_and_body(fresh: ServerThread) -> None:
    api = client(fresh, "limited", max_retries=0)
    spend_budget(fresh)
    with pytest.raises(openai.RateLimitError) as caught:
        ask(api)
    error = caught.value
    assert error.status_code == 429
    assert error.code == "rate_limit_exceeded"
    assert error.type == "requests"
    assert "Limit 60, Used 60, Requested 1. Please try again in " in error.message
    assert error.message.startswith("Error code: 429 - Rate limit reached for gpt-test")
    assert isinstance(error.body, dict)
    assert error.body == {
        "message": error.body["message"],
        "type": "requests",
        "param": None,
        "code": "rate_limit_exceeded",
    }
    headers = error.response.headers
    assert headers["retry-after"] == "1"
    assert headers["x-ratelimit-limit-requests"] == "60"
    assert headers["x-ratelimit-remaining-requests"] == "0"


def test_every_response_reports_the_remaining_budget(fresh: ServerThread) -> None:
    api = client(fresh, "limited", max_retries=0)
    raw = api.chat.completions.with_raw_response.create(model="gpt-test", messages=MESSAGES)
    assert raw.headers["x-ratelimit-remaining-requests"] == "59"
    assert raw.headers["x-ratelimit-reset-requests"] == "1s"


def test_with_retries_the_sdk_waits_the_retry_after_then_succeeds(fresh: ServerThread) -> None:
    api = client(fresh, "limited")
    spend_budget(fresh)
    started = time.monotonic()
    assert ask(api) == MESSAGES[0]["content"]
    assert time.monotonic() - started >= 0.9  # retry-after: 1
    attempts = [e for e in fresh.app.journal.entries() if e.scenario == "limited"]
    assert [e.status for e in attempts] == [429, 200]
    assert attempts[-1].headers.get("x-stainless-retry-count") == "1"


# --- injected errors and the SDK's retry logic ----------------------------------------------------


def test_flaky_fails_exactly_as_configured_with_retries_off(fresh: ServerThread) -> None:
    api = client(fresh, "flaky", max_retries=0)
    outcomes = []
    for _ in range(4):
        try:
            ask(api)
            outcomes.append("ok")
        except openai.InternalServerError as error:
            outcomes.append(str(error.status_code))
    assert outcomes == ["ok", "503", "ok", "503"]


def test_flaky_always_succeeds_with_the_default_retries(fresh: ServerThread) -> None:
    api = client(fresh, "flaky")
    assert [ask(api) for _ in range(3)] == [MESSAGES[0]["content"]] * 3


def test_retry_after_ms_sets_the_sdks_wait(fresh: ServerThread) -> None:
    api = client(fresh, "quick-retry")
    started = time.monotonic()
    ask(api)
    assert time.monotonic() - started < 0.4  # 50 ms asked; the SDK's own backoff would be ~0.5 s
    assert [e.status for e in fresh.app.journal.entries()] == [503, 200]


def test_should_retry_false_stops_the_sdk_retrying(fresh: ServerThread) -> None:
    with pytest.raises(openai.InternalServerError):
        ask(client(fresh, "no-retry"))
    assert len(fresh.app.journal.entries()) == 1


def test_error_status_header_gives_that_status_class(fresh: ServerThread) -> None:
    api = client(fresh, max_retries=0, default_headers={"X-FakeLLM-Error-Status": "404"})
    with pytest.raises(openai.NotFoundError):
        ask(api)


# --- broken streams -----------------------------------------------------------------------------


def read_stream(stream: Any, received: list[str]) -> None:
    for chunk in stream:
        received.append(chunk.choices[0].delta.content or "")


def test_midstream_error_raises_after_some_content(fresh: ServerThread) -> None:
    stream = client(fresh, "midstream").chat.completions.create(model="gpt-test", messages=MESSAGES, stream=True)
    received: list[str] = []
    with pytest.raises(openai.APIError) as caught:
        read_stream(stream, received)
    assert "".join(received) == "one two"
    assert caught.value.message == "The server had an error while processing your request. Sorry about that!"
    assert not isinstance(caught.value, openai.APIStatusError)


def test_disconnect_raises_without_a_terminator(fresh: ServerThread) -> None:
    stream = client(fresh, "drop").chat.completions.create(model="gpt-test", messages=MESSAGES, stream=True)
    received: list[str] = []
    with pytest.raises((openai.APIError, httpx2.HTTPError)):
        read_stream(stream, received)
    assert "".join(received) == "one two"


def test_stall_trips_the_clients_read_timeout(fresh: ServerThread) -> None:
    api = client(fresh, "stall", timeout=0.5, max_retries=0)
    stream = api.chat.completions.create(model="gpt-test", messages=MESSAGES, stream=True)
    received: list[str] = []
    started = time.monotonic()
    with pytest.raises(STREAM_TIMEOUTS):
        read_stream(stream, received)
    assert "".join(received) == "one"
    assert time.monotonic() - started < 5  # the client gave up, long before the server's cap


# --- latency overrides ---------------------------------------------------------------------------


def first_and_last(api: openai.OpenAI) -> tuple[float, float]:
    started = time.monotonic()
    first = None
    for chunk in api.chat.completions.create(model="gpt-test", messages=MESSAGES, stream=True):
        if first is None and chunk.choices and chunk.choices[0].delta.content:
            first = time.monotonic() - started
    assert first is not None
    return first, time.monotonic() - started


def test_ttft_header_moves_the_first_token(fresh: ServerThread) -> None:
    first, total = first_and_last(client(fresh, default_headers={"X-FakeLLM-TTFT-Ms": "300"}))
    assert 0.28 <= first < 1.5
    assert total < first + 0.5  # no rate given: the rest follows at once


def test_tokens_per_second_header_paces_the_stream(fresh: ServerThread) -> None:
    headers = {"X-FakeLLM-TTFT-Ms": "50", "X-FakeLLM-Tokens-Per-Second": "40"}
    first, total = first_and_last(client(fresh, default_headers=headers))
    # 8 tokens at 40/s: the last is due 7 / 40 = 175 ms after the first.
    assert 0.04 <= first < 1.0
    assert total - first >= 0.15


def test_non_streaming_waits_ttft_plus_generation(fresh: ServerThread) -> None:
    headers = {"X-FakeLLM-TTFT-Ms": "100", "X-FakeLLM-Tokens-Per-Second": "20"}
    started = time.monotonic()
    ask(client(fresh, default_headers=headers))
    assert time.monotonic() - started >= 0.1 + 7 / 20 - 0.02
