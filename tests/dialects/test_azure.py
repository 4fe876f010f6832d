"""Azure OpenAI's bytes: sorted keys, the prompt-filter first chunk, string error codes, bad input."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from fakellm.dialects.azure import RESOURCE_NOT_FOUND, AzureDialect
from fakellm.errors import ApiError
from fakellm.faults.ratelimit import RateLimitStatus
from fakellm.model import ChatRequest, Message, TextPart
from fakellm.server.router import Router
from fakellm.testing.server_thread import ServerThread
from tests.support.contexts import context_for
from tests.support.dialect_support import BAD_CHAT_BODIES, SMALL_BODY_LIMIT, start_server
from tests.support.dialect_support import sse_payloads as events

CHAT = "/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21"
BODY = {"messages": [{"role": "user", "content": "Repeat with me: blue sky"}]}


@pytest.fixture(scope="module")
def server() -> Iterator[ServerThread]:
    thread = start_server({}, max_body=SMALL_BODY_LIMIT)
    yield thread
    thread.stop()


def is_key_sorted(text: bytes) -> bool:
    return json.dumps(json.loads(text), separators=(",", ":"), sort_keys=True).encode() == text


def test_stream_opens_with_the_captured_prompt_filter_chunk(server: ServerThread) -> None:
    raw = httpx.post(server.url + CHAT, json={**BODY, "stream": True}).content
    assert raw.startswith(
        b'data: {"choices":[],"created":0,"id":"","model":"","object":"","prompt_filter_results":'
        b'[{"prompt_index":0,"content_filter_results":{"hate":{"filtered":false,"severity":"safe"},'
        b'"jailbreak":{"filtered":false,"detected":false},"self_harm":{"filtered":false,"severity":"safe"},'
        b'"sexual":{"filtered":false,"severity":"safe"},"violence":{"filtered":false,"severity":"safe"}}}]}\n\n'
    )


def test_stream_chunks_are_key_sorted_lf_framed_and_end_with_done(server: ServerThread) -> None:
    response = httpx.post(server.url + CHAT, json={**BODY, "stream": True})
    assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
    assert b"\r" not in response.content
    chunks = events(response.content)
    assert chunks[-1] == b"[DONE]"
    for chunk in chunks[1:-1]:
        assert is_key_sorted(chunk), chunk
        assert b'"content_filter_results":' in chunk
        assert b'"model":"gpt-4o-2024-11-20"' in chunk


def test_non_streaming_body_is_key_sorted_with_prompt_filter_results(server: ServerThread) -> None:
    response = httpx.post(server.url + CHAT, json=BODY)
    assert response.status_code == 200
    assert is_key_sorted(response.content)
    body = response.json()
    assert body["prompt_filter_results"][0]["prompt_index"] == 0
    assert body["choices"][0]["content_filter_results"]["sexual"] == {"filtered": False, "severity": "safe"}


def test_missing_api_version_gets_azures_own_404(server: ServerThread) -> None:
    response = httpx.post(server.url + "/openai/deployments/gpt-4o/chat/completions", json=BODY)
    assert response.status_code == 404
    assert response.content == RESOURCE_NOT_FOUND


def test_shared_v1_path_is_azure_with_api_key_and_groq_without(server: ServerThread) -> None:
    body = {**BODY, "model": "gpt-4o"}
    azure = httpx.post(server.url + "/openai/v1/chat/completions", json=body, headers={"api-key": "k"}).json()
    groq = httpx.post(server.url + "/openai/v1/chat/completions", json=body).json()
    assert "prompt_filter_results" in azure
    assert "x_groq" in groq


@pytest.mark.parametrize("case", sorted(BAD_CHAT_BODIES))
def test_bad_input_gets_a_4xx_with_a_string_code(server: ServerThread, case: str) -> None:
    content, status = BAD_CHAT_BODIES[case]
    response = httpx.post(server.url + CHAT, content=content, headers={"content-type": "application/json"})
    assert response.status_code == status
    error = response.json()["error"]
    assert isinstance(error["code"], str)
    assert error["message"]


def test_wrong_method_is_a_405_in_azures_shape(server: ServerThread) -> None:
    response = httpx.get(server.url + CHAT)
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "405"


def test_unknown_route_under_deployments_is_resource_not_found(server: ServerThread) -> None:
    response = httpx.post(server.url + "/openai/deployments/gpt-4o/images/generations?api-version=2024-10-21", json={})
    assert response.status_code == 404
    assert response.content == RESOURCE_NOT_FOUND


def routed_context(query: dict[str, str]) -> object:
    scope = {
        "type": "http",
        "method": "POST",
        "path": "/openai/deployments/gpt-4o/chat/completions",
        "headers": [],
        "query_string": "&".join(f"{k}={v}" for k, v in query.items()).encode(),
    }
    return Router([AzureDialect()]).resolve(scope)


def test_rate_limit_429_uses_azures_wording_and_string_code() -> None:
    details = {"limit_name": "tokens", "limit": 10, "model": "gpt-4.1"}
    error = ApiError(429, code="rate_limit_exceeded", retry_after=6, details=details)
    response = AzureDialect().render_error(error, routed_context({"api-version": "2024-08-01-preview"}))  # type: ignore[arg-type]
    body = json.loads(response.body)
    assert response.status == 429
    assert body == {
        "error": {
            "code": "429",
            # The 2025 wording: model, region, pricing tier, operation, api-version, then the wait.
            "message": "Your requests to gpt-4.1 for gpt-4.1 in East US 2 have exceeded the token rate limit for "
            "your current AIServices S0 pricing tier. This request was for ChatCompletions_Create under Azure "
            "OpenAI API version 2024-08-01-preview. Please retry after 6 seconds.",
        }
    }


@pytest.mark.parametrize("code", ["invalid_api_key", "missing_api_key"])
def test_auth_errors_are_401_with_string_code_401(code: str) -> None:
    response = AzureDialect().render_error(ApiError(401, code=code), routed_context({"api-version": "x"}))  # type: ignore[arg-type]
    assert response.status == 401
    error = json.loads(response.body)["error"]
    assert error["code"] == "401"
    assert error["message"].startswith("Access denied due to")


@pytest.mark.parametrize("status", [400, 401, 403, 404, 408, 409, 413, 429, 500, 502, 503, 504, 529])
def test_every_status_has_stock_wording(status: int) -> None:
    response = AzureDialect().render_error(ApiError(status), routed_context({"api-version": "x"}))  # type: ignore[arg-type]
    error = json.loads(response.body)["error"]
    assert response.status == status
    assert isinstance(error["code"], str)
    assert error["message"]


def test_rate_limit_headers_have_no_reset_durations() -> None:
    headers = AzureDialect().rate_limit_headers(RateLimitStatus(100, 99, 1.0, 1000, 990, 0.2))
    assert headers["x-ratelimit-remaining-requests"] == "99"
    assert not [h for h in headers if "reset" in h]


def test_stream_error_frame_is_an_sse_data_event_with_an_error_object() -> None:
    request = ChatRequest("azure", "gpt-4o", [Message("user", [TextPart("hi")])])
    frame = AzureDialect().render_stream_error(ApiError(500), request, context_for(AzureDialect()))
    assert frame.startswith(b'data: {"error":{"code":"500","message":')
    assert frame.endswith(b"}}\n\n")
