"""Groq's bytes: chunk layout, `x_groq`, the final usage chunk, error shape and wording, bad input."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from fakellm.dialects.groq import GroqDialect
from fakellm.errors import ApiError
from fakellm.faults.ratelimit import RateLimitStatus
from fakellm.model import ChatRequest, Message, TextPart
from fakellm.server.router import Router
from fakellm.testing.server_thread import ServerThread
from tests.support.contexts import context_for
from tests.support.dialect_support import BAD_CHAT_BODIES, SMALL_BODY_LIMIT, start_server
from tests.support.dialect_support import sse_payloads as events

CHAT = "/openai/v1/chat/completions"
BODY = {"model": "llama-3.3-70b-versatile", "messages": [{"role": "user", "content": "Repeat with me: blue sky"}]}


@pytest.fixture(scope="module")
def server() -> Iterator[ServerThread]:
    thread = start_server({}, max_body=SMALL_BODY_LIMIT)
    yield thread
    thread.stop()


def test_stream_framing_and_chunk_layout(server: ServerThread) -> None:
    response = httpx.post(server.url + CHAT, json={**BODY, "stream": True})
    assert response.headers["content-type"] == "text/event-stream"  # Groq sends no charset
    chunks = events(response.content)
    assert chunks[-1] == b"[DONE]"
    first, *middle, last = (json.loads(c) for c in chunks[:-1])
    assert list(first) == ["id", "object", "created", "model", "system_fingerprint", "choices", "x_groq"]
    assert first["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    assert all("x_groq" not in c and "usage" not in c for c in middle)
    assert list(last)[-2:] == ["x_groq", "usage"]
    assert last["choices"][0]["finish_reason"] == "stop"
    assert last["x_groq"]["usage"] == last["usage"]
    assert list(last["usage"])[:3] == ["queue_time", "prompt_tokens", "prompt_time"]


def test_non_streaming_body_layout(server: ServerThread) -> None:
    body = httpx.post(server.url + CHAT, json=BODY).json()
    assert list(body) == [
        "id",
        "object",
        "created",
        "model",
        "choices",
        "usage",
        "usage_breakdown",
        "system_fingerprint",
        "x_groq",
        "service_tier",
    ]
    assert body["choices"][0]["message"] == {"role": "assistant", "content": "blue sky"}


@pytest.mark.parametrize("case", sorted(BAD_CHAT_BODIES))
def test_bad_input_gets_a_4xx_in_groqs_shape(server: ServerThread, case: str) -> None:
    content, status = BAD_CHAT_BODIES[case]
    response = httpx.post(server.url + CHAT, content=content, headers={"content-type": "application/json"})
    assert response.status_code == status
    error = response.json()["error"]
    assert error["message"]
    assert error["type"]


def test_wrong_method_and_unknown_route_answer_in_groqs_shape(server: ServerThread) -> None:
    assert httpx.get(server.url + CHAT).status_code == 405
    missing = httpx.post(server.url + "/openai/v1/embeddings", json={})
    assert missing.status_code == 404
    assert missing.json()["error"]["type"] == "invalid_request_error"


def test_both_reasoning_options_at_once_is_a_400(server: ServerThread) -> None:
    body = {**BODY, "reasoning_format": "parsed", "include_reasoning": True}
    response = httpx.post(server.url + CHAT, json=body)
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "include_reasoning"


def test_invalid_api_key_body_is_groqs_exact_bytes() -> None:
    ctx = Router([GroqDialect()]).resolve(
        {"type": "http", "method": "POST", "path": CHAT, "headers": [], "query_string": b""}
    )
    response = GroqDialect().render_error(ApiError(401, code="invalid_api_key"), ctx)  # type: ignore[arg-type]
    assert response.status == 401
    assert (
        response.body
        == b'{"error":{"message":"Invalid API Key","type":"invalid_request_error","code":"invalid_api_key"}}\n'
    )
    assert len(response.body) == 96


def test_rate_limit_message_type_and_code() -> None:
    ctx = Router([GroqDialect()]).resolve(
        {"type": "http", "method": "POST", "path": CHAT, "headers": [], "query_string": b""}
    )
    details = {
        "limit_name": "tokens",
        "limit": 12000,
        "used": 2542,
        "requested": 9855,
        "model": "llama-3.3-70b-versatile",
    }
    error = ApiError(429, code="rate_limit_exceeded", retry_after=1.985, details=details)
    body = json.loads(GroqDialect().render_error(error, ctx).body)["error"]  # type: ignore[arg-type]
    assert body["type"] == "tokens"
    assert body["code"] == "rate_limit_exceeded"
    assert body["message"].startswith(
        "Rate limit reached for model `llama-3.3-70b-versatile` in organization `org_fakellm` service tier "
        "`on_demand` on tokens per minute (TPM): Limit 12000, Used 2542, Requested 9855. Please try again in 1.985s."
    )


@pytest.mark.parametrize("status", [400, 401, 403, 404, 408, 409, 413, 429, 500, 502, 503, 504, 529])
def test_every_status_has_stock_wording(status: int) -> None:
    ctx = Router([GroqDialect()]).resolve(
        {"type": "http", "method": "POST", "path": CHAT, "headers": [], "query_string": b""}
    )
    response = GroqDialect().render_error(ApiError(status), ctx)  # type: ignore[arg-type]
    error = json.loads(response.body)["error"]
    assert response.status == status
    assert error["message"]
    assert "param" not in error


def test_rate_limit_headers_use_openais_names() -> None:
    headers = GroqDialect().rate_limit_headers(RateLimitStatus(14400, 14399, 6.0, 6000, 5843, 1.57))
    assert headers["x-ratelimit-reset-requests"] == "6s"
    assert headers["x-ratelimit-reset-tokens"] == "1.57s"


def test_stream_error_frame() -> None:
    request = ChatRequest("groq", "m", [Message("user", [TextPart("hi")])])
    frame = GroqDialect().render_stream_error(ApiError(503), request, context_for(GroqDialect()))
    assert frame == (
        b'event: error\ndata: {"error":{"message":"Service Unavailable","type":"server_error","status_code":503}}\n\n'
    )
