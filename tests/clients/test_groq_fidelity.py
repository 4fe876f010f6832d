"""groq-python against fakellm where Groq differs from OpenAI in ways a client notices: the properties its
message validator refuses, the error event that ends a stream, and its headers and escaping."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import groq
import httpx
import openai
import pytest

from fakellm.server.app import FakeLLMApp
from fakellm.testing.server_thread import ServerThread

MODEL = "llama-3.3-70b-versatile"
HELLO: Any = [{"role": "user", "content": "Repeat with me: <b>fish & chips</b>"}]


@pytest.fixture(scope="module")
def server() -> Iterator[ServerThread]:
    thread = ServerThread(FakeLLMApp()).start()
    yield thread
    thread.stop()


def client(server: ServerThread, scenario: str = "") -> groq.Groq:
    return groq.Groq(base_url=server.url + (f"/s/{scenario}" if scenario else ""), api_key="gsk", max_retries=0)


def test_an_openai_sdk_message_sent_back_whole_is_refused_in_groqs_words(server: ServerThread) -> None:
    """openai-python's `model_dump()` of a reply keeps `refusal` and `annotations`: Groq refuses them."""
    oai = openai.OpenAI(base_url=server.url + "/openai/v1", api_key="gsk", max_retries=0)
    first = oai.chat.completions.create(model=MODEL, messages=HELLO)
    echoed = first.choices[0].message.model_dump()
    assert "annotations" in echoed
    with pytest.raises(openai.BadRequestError) as caught:
        oai.chat.completions.create(model=MODEL, messages=[*HELLO, echoed, {"role": "user", "content": "more"}])
    message = caught.value.body["message"]  # type: ignore[index]
    assert message.startswith("'messages.1' : for 'role:assistant' the following must be satisfied[")
    assert "('messages.1' : property 'annotations' is unsupported)" in message
    assert "param" not in caught.value.body
    assert "code" not in caught.value.body


def test_reasoning_content_sent_back_is_refused(server: ServerThread) -> None:
    history: Any = [*HELLO, {"role": "assistant", "content": "ok", "reasoning_content": "hmm"}, HELLO[0]]
    with pytest.raises(groq.BadRequestError) as caught:
        client(server).chat.completions.create(model=MODEL, messages=history)
    assert "property 'reasoning_content' is unsupported" in str(caught.value)
    kept: Any = [*HELLO, {"role": "assistant", "content": "ok", "reasoning": "hmm"}, HELLO[0]]
    assert client(server).chat.completions.create(model=MODEL, messages=kept).choices


def test_an_error_after_the_200_is_an_error_event_and_the_stream_closes(server: ServerThread) -> None:
    with pytest.raises(groq.APIError):
        for _ in client(server, "midstream-error").chat.completions.create(model=MODEL, messages=HELLO, stream=True):
            pass
    raw = httpx.post(
        server.url + "/s/midstream-error/openai/v1/chat/completions",
        json={"model": MODEL, "messages": HELLO, "stream": True},
    )
    assert raw.headers["content-type"] == "text/event-stream"
    events = raw.text.split("\n\n")
    assert events[-1] == ""
    assert events[-2].startswith("event: error\ndata: ")
    assert json.loads(events[-2].split("data: ", 1)[1])["error"]["status_code"] == 500
    assert "[DONE]" not in raw.text


def test_bytes_ids_and_headers_look_like_groqs(server: ServerThread) -> None:
    raw = httpx.post(server.url + "/openai/v1/chat/completions", json={"model": MODEL, "messages": HELLO})
    assert "\\u003cb\\u003efish \\u0026 chips\\u003c/b\\u003e" in raw.text  # Go's encoder
    body = raw.json()
    assert body["choices"][0]["message"]["content"] == "<b>fish & chips</b>"
    assert re.fullmatch(r"chatcmpl-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", body["id"])
    assert re.fullmatch(r"req_01[0-9a-hjkmnp-tv-z]{24}", body["x_groq"]["id"])
    assert re.fullmatch(r"fp_[0-9a-f]{10}", body["system_fingerprint"])
    assert re.fullmatch(r"req_01[0-9a-hjkmnp-tv-z]{24}", raw.headers["x-request-id"])
    for name in ("limit", "remaining", "reset"):
        for kind in ("requests", "tokens"):
            assert raw.headers[f"x-ratelimit-{name}-{kind}"]
    refused = httpx.post(server.url + "/openai/v1/chat/completions", json={"model": MODEL})
    assert refused.status_code == 400
    assert "x-ratelimit-limit-requests" in refused.headers
