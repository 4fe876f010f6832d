"""Gemini's OpenAI-compatible bytes: sorted keys, no finish_reason on intermediate chunks, array errors."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from fakellm.dialects.gemini.openai_compat import GeminiOpenAIDialect
from fakellm.errors import ApiError
from fakellm.model import ChatRequest, Message, TextPart
from fakellm.testing.server_thread import ServerThread
from tests.support.contexts import context_for
from tests.support.dialect_support import BAD_CHAT_BODIES, SMALL_BODY_LIMIT, start_server

CHAT = "/v1beta/openai/chat/completions"
BODY = {"model": "gemini-2.5-flash", "messages": [{"role": "user", "content": "Repeat with me: blue sky"}]}


@pytest.fixture(scope="module")
def server() -> Iterator[ServerThread]:
    thread = start_server({}, max_body=SMALL_BODY_LIMIT)
    yield thread
    thread.stop()


def test_stream_chunks_match_googles_layout(server: ServerThread) -> None:
    raw = httpx.post(server.url + CHAT, json={**BODY, "stream": True}).content
    assert raw.endswith(b"data: [DONE]\n\n")
    events = [e[len(b"data: ") :] for e in raw[:-2].split(b"\n\n")][:-1]
    first, last = (json.loads(e) for e in events)
    assert events[0] == json.dumps(first, separators=(",", ":"), sort_keys=True).encode()
    assert first["choices"][0] == {"delta": {"content": "blue", "role": "assistant"}, "index": 0}
    assert last["choices"][0]["finish_reason"] == "stop"
    assert last["choices"][0]["delta"] == {"content": " sky", "role": "assistant"}
    assert not first["id"].startswith("chatcmpl-")
    assert first["id"] == last["id"]


def test_include_usage_puts_usage_on_the_last_chunk(server: ServerThread) -> None:
    body = {**BODY, "stream": True, "stream_options": {"include_usage": True}}
    raw = httpx.post(server.url + CHAT, json=body).content
    last = json.loads(raw[:-2].split(b"\n\n")[-2][len(b"data: ") :])
    assert last["usage"]["completion_tokens"] == 2


@pytest.mark.parametrize("case", sorted(BAD_CHAT_BODIES))
def test_bad_input_is_a_one_element_error_array(server: ServerThread, case: str) -> None:
    content, status = BAD_CHAT_BODIES[case]
    response = httpx.post(server.url + CHAT, content=content, headers={"content-type": "application/json"})
    assert response.status_code == status
    body = response.json()
    assert isinstance(body, list)
    assert len(body) == 1
    assert body[0]["error"]["code"] == status
    assert body[0]["error"]["status"] == "INVALID_ARGUMENT"


def test_wrong_method_and_unknown_route(server: ServerThread) -> None:
    assert httpx.get(server.url + CHAT).status_code == 405
    unknown = httpx.post(server.url + "/v1beta/openai/no-such-route", json={})
    assert unknown.status_code == 404
    assert unknown.json()[0]["error"]["status"] == "NOT_FOUND"


def test_stream_error_frame_has_an_int_code() -> None:
    request = ChatRequest("gemini_openai", "m", [Message("user", [TextPart("hi")])], stream=True)
    frame = GeminiOpenAIDialect().render_stream_error(ApiError(503), request, context_for(GeminiOpenAIDialect()))
    assert json.loads(frame[len(b"data: ") :])["error"]["code"] == 503
    assert frame.endswith(b"\n\n")
