"""Faults and auth through the Groq, Azure and Gemini SDKs (and raw bytes): each provider's own shapes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pytest

from fakellm.testing.server_thread import ServerThread
from tests.support.faultkit import reset_faults, serve_faults

pytest.importorskip("fakellm.dialects.gemini", reason="needs the Azure, Gemini and Groq dialects")
groq = pytest.importorskip("groq")
genai = pytest.importorskip("google.genai")
from google.genai import errors as genai_errors  # noqa: E402
from google.genai import types as genai_types  # noqa: E402

KEY = "sk-right-key-123456"
API_VERSION = "2024-10-21"
TEXT = "one two three four five six"
MESSAGES: Any = [{"role": "user", "content": TEXT}]
SCENARIOS: dict[str, dict[str, Any]] = {
    "midstream": {"stream": {"error_after": 2, "error_status": 503}},
    "limited": {"rate_limit": {"requests_per_minute": 1}},
}


@pytest.fixture(scope="module")
def server() -> Iterator[ServerThread]:
    with serve_faults(SCENARIOS, api_keys=[KEY]) as thread:
        yield thread


@pytest.fixture
def fresh(server: ServerThread) -> ServerThread:
    reset_faults(server)
    return server


def gemini(server: ServerThread, scenario: str | None = None, key: str = KEY, **headers: str) -> Any:
    base = f"{server.url}/s/{scenario}" if scenario else server.url
    return genai.Client(api_key=key, http_options=genai_types.HttpOptions(base_url=base, headers=headers or None))


def read_all(stream: Any, seen: list[str], text: Any) -> None:
    for chunk in stream:
        seen.append(text(chunk))


# --- mid-stream errors --------------------------------------------------------------------------


def test_groq_sdk_raises_a_midstream_error_after_content(fresh: ServerThread) -> None:
    client = groq.Groq(base_url=f"{fresh.url}/s/midstream", api_key=KEY, max_retries=0)
    stream = client.chat.completions.create(model="llama-3.3-70b-versatile", messages=MESSAGES, stream=True)
    seen: list[str] = []
    with pytest.raises(groq.APIError):
        read_all(stream, seen, lambda c: c.choices[0].delta.content or "")
    assert "".join(seen) == "one two"


def test_google_genai_raises_server_error_after_content(fresh: ServerThread) -> None:
    client = gemini(fresh, "midstream")  # keep the client alive: it closes its connection pool when collected
    stream = client.models.generate_content_stream(model="gemini-2.5-flash", contents=TEXT)
    seen: list[str] = []
    with pytest.raises(genai_errors.ServerError) as caught:
        read_all(stream, seen, lambda c: c.text or "")
    assert "".join(seen) == "one two"
    assert caught.value.code == 503


# --- Gemini and Azure 429 / 503 -------------------------------------------------------------------


def test_gemini_429_is_resource_exhausted_with_retry_info(fresh: ServerThread) -> None:
    client = gemini(fresh, "limited")
    client.models.generate_content(model="gemini-2.5-flash", contents=TEXT)
    with pytest.raises(genai_errors.ClientError) as caught:
        client.models.generate_content(model="gemini-2.5-flash", contents=TEXT)
    assert (caught.value.code, caught.value.status) == (429, "RESOURCE_EXHAUSTED")
    details = caught.value.details["error"]["details"]
    retry = [d for d in details if d["@type"] == "type.googleapis.com/google.rpc.RetryInfo"]
    assert retry
    assert retry[0]["retryDelay"].endswith("s")


def test_gemini_503_is_unavailable(fresh: ServerThread) -> None:
    client = gemini(fresh, **{"X-FakeLLM-Error-Status": "503"})
    with pytest.raises(genai_errors.ServerError) as caught:
        client.models.generate_content(model="gemini-2.5-flash", contents=TEXT)
    assert (caught.value.code, caught.value.status) == (503, "UNAVAILABLE")


def azure(server: ServerThread, scenario: str | None = None, **options: Any) -> openai.AzureOpenAI:
    endpoint = f"{server.url}/s/{scenario}" if scenario else server.url
    return openai.AzureOpenAI(azure_endpoint=endpoint, api_key=KEY, api_version=API_VERSION, **options)


def test_azure_429_raw_bytes_have_string_code_and_retry_after(fresh: ServerThread) -> None:
    url = f"{fresh.url}/s/limited/openai/deployments/gpt-4o/chat/completions?api-version={API_VERSION}"
    first = httpx.post(url, json={"messages": MESSAGES}, headers={"api-key": KEY})
    assert first.status_code == 200
    second = httpx.post(url, json={"messages": MESSAGES}, headers={"api-key": KEY})
    assert second.status_code == 429
    assert second.json()["error"]["code"] == "429"
    assert "retry after" in second.json()["error"]["message"].lower()
    assert 55 <= int(second.headers["retry-after"]) <= 60


def test_azure_sdk_sees_rate_limit_and_503(fresh: ServerThread) -> None:
    client = azure(fresh, "limited", max_retries=0)
    client.chat.completions.create(model="gpt-4o", messages=MESSAGES)
    with pytest.raises(openai.RateLimitError):
        client.chat.completions.create(model="gpt-4o", messages=MESSAGES)
    failing = azure(fresh, max_retries=0, default_headers={"X-FakeLLM-Error-Status": "503"})
    with pytest.raises(openai.InternalServerError) as caught:
        failing.chat.completions.create(model="gpt-4o", messages=MESSAGES)
    assert caught.value.status_code == 503


# --- auth in every dialect --------------------------------------------------------------------------


def test_groq_right_wrong_and_missing_keys(fresh: ServerThread) -> None:
    url = f"{fresh.url}/openai/v1"
    right = groq.Groq(base_url=fresh.url, api_key=KEY)  # the SDK adds /openai/v1 itself
    assert right.chat.completions.create(model="m", messages=MESSAGES).choices
    wrong = groq.Groq(base_url=fresh.url, api_key="gsk_wrong", max_retries=0)
    with pytest.raises(groq.AuthenticationError) as caught:
        wrong.chat.completions.create(model="m", messages=MESSAGES)
    assert caught.value.status_code == 401
    assert caught.value.body["error"]["code"] == "invalid_api_key"  # type: ignore[index]
    missing = httpx.post(f"{url}/chat/completions", json={"model": "m", "messages": MESSAGES})
    assert missing.status_code == 401
    assert missing.json()["error"]["code"] == "invalid_api_key"


def test_azure_right_wrong_and_missing_keys(fresh: ServerThread) -> None:
    assert azure(fresh).chat.completions.create(model="gpt-4o", messages=MESSAGES).choices
    wrong = openai.AzureOpenAI(azure_endpoint=fresh.url, api_key="bad", api_version=API_VERSION, max_retries=0)
    with pytest.raises(openai.AuthenticationError) as caught:
        wrong.chat.completions.create(model="gpt-4o", messages=MESSAGES)
    assert caught.value.status_code == 401
    url = f"{fresh.url}/openai/deployments/gpt-4o/chat/completions?api-version={API_VERSION}"
    missing = httpx.post(url, json={"messages": MESSAGES})
    assert missing.status_code == 401
    assert missing.json()["error"]["code"] == "401"


def test_gemini_right_wrong_and_missing_keys(fresh: ServerThread) -> None:
    right, wrong = gemini(fresh), gemini(fresh, key="AIza-wrong")
    assert right.models.generate_content(model="gemini-2.5-flash", contents=TEXT).text == TEXT
    with pytest.raises(genai_errors.ClientError) as caught:
        wrong.models.generate_content(model="gemini-2.5-flash", contents=TEXT)
    assert (caught.value.code, caught.value.status) == (400, "INVALID_ARGUMENT")
    assert "API_KEY_INVALID" in str(caught.value.details)
    url = f"{fresh.url}/v1beta/models/gemini-2.5-flash:generateContent"
    missing = httpx.post(url, json={"contents": [{"role": "user", "parts": [{"text": TEXT}]}]})
    assert missing.status_code == 403
    assert missing.json()["error"]["status"] == "PERMISSION_DENIED"
