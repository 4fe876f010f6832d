"""The OpenAI dialect's bytes on the wire, read raw with httpx and a bare socket (wire-formats §1)."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from fakellm.config import ServerConfig
from fakellm.testing.server_thread import ServerThread
from tests.support.dialect_support import sse_payloads

PATHS = ["/v1/chat/completions", "/chat/completions"]
CHUNK_KEYS = ["id", "object", "created", "model", "service_tier", "system_fingerprint", "choices"]
BODY = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "one two three"}]}


def post(server: ServerThread, path: str, **extra: Any) -> httpx.Response:
    return httpx.post(server.url + path, json={**BODY, **extra}, timeout=10)


def chunks(body: bytes) -> list[dict[str, Any]]:
    found = sse_payloads(body)
    assert found[-1] == b"[DONE]"
    return [json.loads(e) for e in found[:-1]]


@pytest.mark.parametrize("path", PATHS)
def test_stream_headers_are_sse_without_length(server: ServerThread, path: str) -> None:
    response = post(server, path, stream=True)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
    assert "content-length" not in response.headers
    assert response.headers["transfer-encoding"] == "chunked"
    assert response.headers["x-request-id"].startswith("req_")


@pytest.mark.parametrize("path", PATHS)
def test_stream_framing_is_lf_data_lines_ending_with_done(server: ServerThread, path: str) -> None:
    body = post(server, path, stream=True).content
    assert b"\r" not in body
    for field in (b"event:", b"id:", b"retry:", b"\n:"):
        assert field not in body.replace(b'"id":', b"")
    assert body.endswith(b"\n\ndata: [DONE]\n\n")
    assert body.count(b"[DONE]") == 1


@pytest.mark.parametrize("path", PATHS)
def test_stream_chunk_sequence_role_content_finish(server: ServerThread, path: str) -> None:
    parsed = chunks(post(server, path, stream=True).content)
    assert [c["choices"][0]["delta"] for c in parsed] == [
        {"role": "assistant", "content": "", "refusal": None},
        {"content": "one"},
        {"content": " two"},
        {"content": " three"},
        {},
    ]
    assert [c["choices"][0]["finish_reason"] for c in parsed] == [None, None, None, None, "stop"]
    for chunk in parsed:
        assert list(chunk)[: len(CHUNK_KEYS)] == CHUNK_KEYS
        assert chunk["object"] == "chat.completion.chunk"
        assert chunk["model"] == "gpt-4o-mini-2024-07-18"  # the dated snapshot, as OpenAI reports it
        assert "usage" not in chunk
        assert chunk["choices"][0]["logprobs"] is None


def test_stream_chunks_share_one_id_and_created(server: ServerThread) -> None:
    parsed = chunks(post(server, PATHS[0], stream=True, n=2, stream_options={"include_usage": True}).content)
    assert len({c["id"] for c in parsed}) == 1
    assert len({c["created"] for c in parsed}) == 1
    assert parsed[0]["id"].startswith("chatcmpl-")


def test_two_completions_have_different_ids(server: ServerThread) -> None:
    first = chunks(post(server, PATHS[0], stream=True).content)[0]["id"]
    second = chunks(post(server, PATHS[0], stream=True).content)[0]["id"]
    assert first != second


@pytest.mark.parametrize("path", PATHS)
def test_include_usage_adds_one_usage_chunk_and_null_usage_elsewhere(server: ServerThread, path: str) -> None:
    parsed = chunks(post(server, path, stream=True, stream_options={"include_usage": True}).content)
    last = parsed[-1]
    assert last["choices"] == []
    assert last["usage"]["completion_tokens"] == 3
    assert last["usage"]["total_tokens"] == last["usage"]["prompt_tokens"] + 3
    assert list(last)[:8] == [*CHUNK_KEYS, "usage"]
    for chunk in parsed[:-1]:
        assert chunk["usage"] is None
        assert len(chunk["choices"]) == 1


def test_include_usage_false_sends_no_usage_chunk(server: ServerThread) -> None:
    parsed = chunks(post(server, PATHS[0], stream=True, stream_options={"include_usage": False}).content)
    assert all(c["choices"] for c in parsed)
    assert all("usage" not in c for c in parsed)


def test_include_obfuscation_false_drops_the_field(server: ServerThread) -> None:
    on = chunks(post(server, PATHS[0], stream=True).content)
    off = chunks(post(server, PATHS[0], stream=True, stream_options={"include_obfuscation": False}).content)
    assert all("obfuscation" in c for c in on)
    assert all("obfuscation" not in c for c in off)


def test_n2_stream_interleaves_one_choice_per_chunk(server: ServerThread) -> None:
    parsed = chunks(post(server, PATHS[0], stream=True, n=2, stream_options={"include_usage": True}).content)
    body, usage = parsed[:-1], parsed[-1]
    assert all(len(c["choices"]) == 1 for c in body)
    indexes = [c["choices"][0]["index"] for c in body]
    assert indexes == [0, 1] * (len(indexes) // 2)
    for index in (0, 1):
        mine = [c["choices"][0] for c in body if c["choices"][0]["index"] == index]
        assert mine[0]["delta"]["role"] == "assistant"
        assert sum(1 for m in mine if "role" in m["delta"]) == 1
        assert [m["finish_reason"] for m in mine].count("stop") == 1
        assert mine[-1]["finish_reason"] == "stop"
        assert "".join(m["delta"].get("content", "") for m in mine) == "one two three"
    assert usage["choices"] == []
    assert usage["usage"]["completion_tokens"] == 6


def test_stream_body_ends_right_after_done_on_a_raw_socket(server: ServerThread) -> None:
    """The chunked body terminates after `[DONE]`, so clients that read to EOF do not hang."""
    payload = json.dumps({**BODY, "stream": True}).encode()
    request = (
        b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: " + str(len(payload)).encode() + b"\r\nConnection: close\r\n\r\n" + payload
    )
    with socket.create_connection((server.host, server.port), timeout=5) as sock:
        sock.sendall(request)
        received = b""
        while data := sock.recv(65536):  # EOF: the server closed the connection
            received += data
    head, _, raw_body = received.partition(b"\r\n\r\n")
    assert b"transfer-encoding: chunked" in head.lower()
    assert raw_body.endswith(b"data: [DONE]\n\n\r\n0\r\n\r\n")


def test_stream_connection_is_reusable_after_done(server: ServerThread) -> None:
    with httpx.Client(base_url=server.url, timeout=5) as client:
        for _ in range(3):
            with client.stream("POST", PATHS[0], json={**BODY, "stream": True}) as response:
                raw = b"".join(response.iter_raw())
            assert raw.endswith(b"data: [DONE]\n\n")


@pytest.mark.parametrize("path", PATHS)
def test_non_stream_is_compact_json_with_length(server: ServerThread, path: str) -> None:
    response = post(server, path)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert int(response.headers["content-length"]) == len(response.content)
    body = response.json()
    assert list(body) == [
        "id",
        "object",
        "created",
        "model",
        "choices",
        "usage",
        "service_tier",
        "system_fingerprint",
    ]
    choice = body["choices"][0]
    assert list(choice) == ["index", "message", "logprobs", "finish_reason"]
    assert choice["message"] == {"role": "assistant", "content": "one two three", "refusal": None, "annotations": []}
    assert list(body["usage"])[:3] == ["prompt_tokens", "completion_tokens", "total_tokens"]


def test_non_stream_n2_has_two_indexed_choices(server: ServerThread) -> None:
    body = post(server, PATHS[0], n=2).json()
    assert [c["index"] for c in body["choices"]] == [0, 1]
    assert body["usage"]["completion_tokens"] == 6


def test_non_ascii_text_is_sent_as_utf8(server: ServerThread) -> None:
    response = httpx.post(
        server.url + PATHS[0],
        json={"model": "m", "stream": True, "messages": [{"role": "user", "content": "héllo 你好 🙂"}]},
    )
    assert " 你好".encode() in response.content  # raw UTF-8, not \u escapes
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks(response.content))
    assert text == "héllo 你好 🙂"


@pytest.mark.parametrize("path", ["/v1/models", "/models"])
def test_models_list_shape(server: ServerThread, path: str) -> None:
    response = httpx.get(server.url + path)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["object"] == "list"
    assert {"id": "fakellm/echo", "object": "model", "created": 1700000000, "owned_by": "fakellm"} in body["data"]


def test_error_body_has_the_four_fields_in_order(server: ServerThread) -> None:
    response = httpx.post(server.url + PATHS[0], json={"model": "m"})
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert response.text.startswith('{\n    "error": {\n        "message": ')  # OpenAI pretty-prints its errors
    assert response.text.endswith("\n    }\n}\n")
    assert list(response.json()["error"]) == ["message", "type", "param", "code"]


def test_seeded_ids_repeat(make_server: Callable[..., ServerThread]) -> None:
    first = make_server(ServerConfig(seed=7))
    one = post(first, PATHS[0]).json()["id"]
    first.stop()
    second = make_server(ServerConfig(seed=7))
    assert post(second, PATHS[0]).json()["id"] == one


def test_an_unseeded_server_does_not_reseed_a_seeded_one(make_server: Callable[..., ServerThread]) -> None:
    reference = make_server(ServerConfig(seed=7))
    expected = [post(reference, PATHS[0]).json()["id"] for _ in range(2)]
    reference.stop()

    seeded = make_server(ServerConfig(seed=7))
    first = post(seeded, PATHS[0]).json()["id"]
    make_server(ServerConfig())  # e.g. a FakeLLM() started inside a test of a seeded session
    assert [first, post(seeded, PATHS[0]).json()["id"]] == expected


def test_keys_are_masked_as_openai_masks_them() -> None:
    from fakellm.dialects.openai.errors import mask

    assert mask("sk-proj-abcdefghijklmnop1234") == "sk-proj-" + "*" * 16 + "1234"
    assert mask("sk-abc") == "sk-abc"  # a short key is shown whole
