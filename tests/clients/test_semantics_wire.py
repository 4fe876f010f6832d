"""Raw bytes of the semantics errors and read routes, per dialect: each refuses in its own shape."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from fakellm.testing.server_thread import ServerThread
from tests.support.dialect_support import sse_payloads

NAMED_MISSING: dict[str, Any] = {
    "model": "m",
    "messages": [{"role": "user", "content": "hi"}],
    "tools": [{"type": "function", "function": {"name": "get_weather"}}],
    "tool_choice": {"type": "function", "function": {"name": "get_news"}},
}
NAMED_MESSAGE = "Invalid value for 'tool_choice': no function named 'get_news' was specified in the 'tools' parameter."
GEMINI = {"contents": [{"role": "user", "parts": [{"text": "Tell me about the sea"}]}]}


@pytest.fixture(scope="module")
def server(fixed_server: ServerThread) -> ServerThread:
    return fixed_server


def test_openai_refuses_in_its_four_field_shape(server: ServerThread) -> None:
    response = httpx.post(server.url + "/v1/chat/completions", json=NAMED_MISSING)
    assert response.status_code == 400
    assert response.json() == {
        "error": {"message": NAMED_MESSAGE, "type": "invalid_request_error", "param": "tool_choice", "code": None}
    }
    assert response.content.startswith(b'{\n    "error": {\n        "message": ')  # pretty, as OpenAI writes it


def test_azure_and_groq_refuse_in_theirs(server: ServerThread) -> None:
    azure = httpx.post(
        server.url + "/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21",
        json=NAMED_MISSING,
        headers={"api-key": "k"},
    )
    assert azure.status_code == 400
    assert azure.json()["error"]["message"] == NAMED_MESSAGE
    assert azure.json()["error"]["code"] == "BadRequest"
    groq = httpx.post(server.url + "/openai/v1/chat/completions", json={**NAMED_MISSING, "logprobs": False})
    assert groq.status_code == 400
    assert groq.content.endswith(b"}\n")
    assert groq.json()["error"] == {"message": NAMED_MESSAGE, "type": "invalid_request_error", "param": "tool_choice"}


def test_gemini_refuses_a_bad_mode_in_googles_shape(server: ServerThread) -> None:
    body = {**GEMINI, "toolConfig": {"functionCallingConfig": {"mode": "SOMETIMES"}}}
    response = httpx.post(server.url + "/v1beta/models/gemini-2.5-flash:generateContent", json=body)
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["code"], error["status"]) == (400, "INVALID_ARGUMENT")
    assert "tool_config.function_calling_config.mode" in error["message"]


def test_openai_logprobs_chunks_in_openais_key_order(server: ServerThread) -> None:
    body = {
        "model": "m",
        "messages": [{"role": "user", "content": "hi"}],
        "stream": True,
        "logprobs": True,
        "top_logprobs": 1,
        "stream_options": {"include_obfuscation": False},
    }
    response = httpx.post(server.url + "/s/text/v1/chat/completions", json=body)
    payloads = sse_payloads(response.content)
    assert payloads[-1] == b"[DONE]"
    text = json.loads(payloads[1])["choices"][0]
    assert list(text) == ["index", "delta", "logprobs", "finish_reason"]
    assert list(text["logprobs"]) == ["content", "refusal"]
    assert list(text["logprobs"]["content"][0]) == ["token", "logprob", "bytes", "top_logprobs"]
    assert b'"logprobs":null,"finish_reason":"stop"' in payloads[-2]


def test_azure_frames_logprobs_with_sorted_keys(server: ServerThread) -> None:
    body = {"messages": [{"role": "user", "content": "hi"}], "logprobs": True, "top_logprobs": 2}
    response = httpx.post(
        server.url + "/s/text/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21",
        json=body,
        headers={"api-key": "k"},
    )
    choice = response.json()["choices"][0]
    assert [len(e["top_logprobs"]) for e in choice["logprobs"]["content"]] == [2] * len(choice["logprobs"]["content"])
    assert b'"logprobs":{"content":[{"bytes":' in response.content


@pytest.mark.parametrize("version", ["v1beta", "v1"])
def test_gemini_model_and_count_tokens_routes(server: ServerThread, version: str) -> None:
    google = {"x-goog-api-key": "k"}
    model = httpx.get(f"{server.url}/{version}/models/gemini-2.5-flash", headers=google)
    assert model.status_code == 200
    assert model.headers["content-type"] == "application/json; charset=UTF-8"
    assert model.content.startswith(b'{\n  "name": "models/gemini-2.5-flash",\n  "version": "001",')
    counted = httpx.post(f"{server.url}/{version}/models/gemini-2.5-flash:countTokens", json=GEMINI, headers=google)
    wrapped = httpx.post(
        f"{server.url}/{version}/models/gemini-2.5-flash:countTokens",
        json={"generateContentRequest": {"model": "models/gemini-2.5-flash", **GEMINI}},
        headers=google,
    )
    generated = httpx.post(f"{server.url}/{version}/models/gemini-2.5-flash:generateContent", json=GEMINI)
    prompt = generated.json()["usageMetadata"]["promptTokenCount"]
    assert counted.json() == {
        "totalTokens": prompt,
        "promptTokensDetails": [{"modality": "TEXT", "tokenCount": prompt}],
    }
    assert wrapped.json() == counted.json()
    empty = httpx.post(f"{server.url}/{version}/models/gemini-2.5-flash:countTokens", json={}, headers=google)
    assert empty.status_code == 400
    assert empty.json()["error"]["status"] == "INVALID_ARGUMENT"


def test_v1_model_route_is_openais_without_google_headers(server: ServerThread) -> None:
    response = httpx.get(server.url + "/v1/models/gemini-2.5-flash")
    assert response.json() == {
        "id": "gemini-2.5-flash",
        "object": "model",
        "created": 1700000000,
        "owned_by": "fakellm",
    }
    wrong_method = httpx.get(server.url + "/v1/models/gemini-2.5-flash:generateContent")
    assert wrong_method.status_code == 405


def test_geminis_openai_route_reads_a_model(server: ServerThread) -> None:
    response = httpx.get(server.url + "/v1beta/openai/models/gemini-2.5-flash")
    assert response.content == b'{"id":"models/gemini-2.5-flash","object":"model","owned_by":"google"}'
