"""Bad requests over HTTP: a 4xx in OpenAI's error shape that says what is wrong and where; never a 500."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from fakellm.config import ServerConfig
from fakellm.testing.server_thread import ServerThread

CHAT = "/v1/chat/completions"
GOOD_MESSAGE = {"role": "user", "content": "hi"}


def error_of(response: httpx.Response, status: int) -> dict[str, Any]:
    """Asserts the status and OpenAI's shape `{"error": {message, type, param, code}}`; returns the inner object."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json; charset=utf-8"  # as OpenAI sends its errors
    body = response.json()
    assert list(body) == ["error"]
    error = body["error"]
    assert list(error) == ["message", "type", "param", "code"]
    assert isinstance(error["message"], str)
    assert error["message"]
    assert "Traceback" not in response.text
    return error


def send(server: ServerThread, raw: bytes, path: str = CHAT) -> httpx.Response:
    return httpx.post(server.url + path, content=raw, headers={"content-type": "application/json"}, timeout=10)


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        (b"", "empty"),
        (b"{", "could not parse the JSON body"),
        (b'{"model": "x", "messages": [}', "line 1 column 29"),
        (b"[]", "must be a JSON object, but got an array"),
        (b'"hello"', "must be a JSON object, but got a string"),
        (b'{"model": "x", "messages": [{"role": "user", "content": "\xff\xfe"}]}', "not valid UTF-8"),
    ],
    ids=["empty", "truncated", "malformed", "array", "string", "non-utf8"],
)
def test_undecodable_bodies_are_400(server: ServerThread, raw: bytes, fragment: str) -> None:
    error = error_of(send(server, raw), 400)
    assert fragment in error["message"]
    assert error["type"] == "invalid_request_error"


@pytest.mark.parametrize(
    ("body", "param", "fragment"),
    [
        ({"model": "x"}, "messages", "Missing required parameter: 'messages'"),
        ({"model": "x", "messages": None}, "messages", "Missing required parameter"),
        ({"model": "x", "messages": "hi"}, "messages", "expected an array, but got a string"),
        ({"model": "x", "messages": {"role": "user"}}, "messages", "expected an array, but got an object"),
        ({"model": "x", "messages": []}, "messages", "empty array"),
        ({"model": "x", "messages": [5]}, "messages[0]", "expected an object, but got a number"),
        ({"model": "x", "messages": [{"role": "user"}]}, "messages[0].content", "'messages[0].content'"),
        (
            {"model": "x", "messages": [GOOD_MESSAGE, {"role": "user", "content": None}]},
            "messages[1].content",
            "'messages[1].content'",
        ),
        ({"model": "x", "messages": [{"role": "user", "content": 7}]}, "messages[0].content", "got a number"),
        ({"model": "x", "messages": [{"content": "hi"}]}, "messages[0].role", "'messages[0].role'"),
        ({"model": "x", "messages": [{"role": "bot", "content": "hi"}]}, "messages[0].role", "Invalid value: 'bot'"),
        (
            {"model": "x", "messages": [{"role": "user", "content": [{"type": "text"}]}]},
            "messages[0].content[0].text",
            "'messages[0].content[0].text'",
        ),
        (
            {"model": "x", "messages": [{"role": "user", "content": [{"type": "image_url", "image_url": "u"}]}]},
            "messages[0].content[0].image_url.url",
            "image_url.url",
        ),
        ({"messages": [GOOD_MESSAGE]}, "model", "model"),
        ({"model": 5, "messages": [GOOD_MESSAGE]}, "model", "expected a string"),
        ({"model": "x", "messages": [GOOD_MESSAGE], "stream": "yes"}, "stream", "expected a boolean"),
        ({"model": "x", "messages": [GOOD_MESSAGE], "n": 0}, "n", "below minimum"),
        ({"model": "x", "messages": [GOOD_MESSAGE], "n": 1.5}, "n", "expected an integer"),
        ({"model": "x", "messages": [GOOD_MESSAGE], "max_tokens": "9"}, "max_tokens", "expected an integer"),
        ({"model": "x", "messages": [GOOD_MESSAGE], "stream_options": {"include_usage": True}}, "stream_options", ""),
        ({"model": "x", "messages": [GOOD_MESSAGE], "tools": "x"}, "tools", "expected an array"),
        ({"model": "x", "messages": [{"role": "user", "content": "\ud800"}]}, "messages[0].content", "surrogate"),
    ],
    ids=lambda v: None if isinstance(v, dict) else str(v)[:40],
)
def test_invalid_fields_are_400_naming_the_param(
    server: ServerThread, body: dict[str, Any], param: str, fragment: str
) -> None:
    raw = json.dumps(body).encode()  # json.dumps escapes a lone surrogate as \ud800, as a client would
    error = error_of(send(server, raw), 400)
    assert error["param"] == param
    assert fragment in error["message"]


def test_bad_input_is_refused_on_the_bare_path_too(server: ServerThread) -> None:
    error = error_of(send(server, b'{"model": "x", "messages": [{"role": "user"}]}', "/chat/completions"), 400)
    assert error["param"] == "messages[0].content"


def test_bad_input_is_refused_when_streaming_too(server: ServerThread) -> None:
    raw = b'{"model": "x", "stream": true, "messages": [{"role": "user"}]}'
    assert error_of(send(server, raw), 400)["param"] == "messages[0].content"


@pytest.mark.parametrize(
    "raw",
    [
        b"[" * 50_000 + b"]" * 50_000,
        b'{"model": "x", "messages": [], "n": ' + b"9" * 5000 + b"}",
        b'{"model": NaN, "messages": [{"role": "user", "content": "hi"}]}',
        b'{"model": "x", "messages": [{"role": "user", "content": "hi"}], "max_tokens": Infinity}',
        b'{"model": "x", "messages": [{"role": "user", "content": "hi"}], "n": 1e400}',
        b'{"model": "x", "messages": [{"role": "user", "content": [{"type": "audio"}]}]}',
        b'{"model": "x", "messages": [{"role": "tool", "content": "42"}]}',
        b'{"model": "x", "messages": [{"role": "user", "content": "hi", "tool_calls": []}]}',
        b'{"model": "x", "messages": [{"role": "assistant", "tool_calls": [{"function": 1}]}]}',
        b'{"model": "x", "messages": [{"role": "user", "content": "hi"}], "tools": [{"function": {}}]}',
        b'{"model": "x", "messages": [{"role": "user", "content": "hi"}], "stream": true, "stream_options": 1}',
        b"\x00\x01\x02",
        b"null",
        b"1",
    ],
    ids=[
        "deep-nesting",
        "huge-integer",
        "nan-model",
        "infinite-max-tokens",
        "overflowing-n",
        "unknown-part-type",
        "tool-without-call-id",
        "user-with-tool-calls",
        "tool-call-function-not-object",
        "tool-without-name",
        "stream-options-not-object",
        "binary",
        "null",
        "number",
    ],
)
def test_hostile_bodies_never_cause_a_500(server: ServerThread, raw: bytes) -> None:
    response = send(server, raw)
    assert 400 <= response.status_code < 500, response.text
    error_of(response, response.status_code)


def test_body_over_the_limit_is_413(make_server: Callable[..., ServerThread]) -> None:
    server = make_server(ServerConfig(max_body=1000))
    raw = json.dumps({"model": "x", "messages": [{"role": "user", "content": "a" * 5000}]}).encode()
    error = error_of(send(server, raw), 413)
    assert "1000 bytes" in error["message"]
    chunked = httpx.post(server.url + CHAT, content=iter([raw[:800], raw[800:]]), timeout=10)
    assert chunked.request.headers["transfer-encoding"] == "chunked"  # no length declared: counted while reading
    error_of(chunked, 413)


def test_413_is_sent_before_a_large_upload_finishes(make_server: Callable[..., ServerThread]) -> None:
    """The server answers from the declared length and does not buffer the rest (5 MB against a 1 kB limit)."""
    server = make_server(ServerConfig(max_body=1000))
    raw = b'{"model": "x", "messages": [{"role": "user", "content": "' + b"a" * 5_000_000 + b'"}]}'
    error_of(send(server, raw), 413)
    assert send(server, b'{"model": "x", "messages": [{"role": "user", "content": "ok"}]}').status_code == 200


def test_default_body_limit_is_16_mib() -> None:
    assert ServerConfig().max_body == 16 * 1024 * 1024


def test_unknown_route_is_404_in_openai_shape(server: ServerThread) -> None:
    error = error_of(httpx.post(server.url + "/v1/chat/complete", json={}), 404)
    assert "/v1/chat/complete" in error["message"]
    error_of(httpx.get(server.url + "/v2/models"), 404)


@pytest.mark.parametrize(("method", "path"), [("GET", CHAT), ("PUT", "/chat/completions"), ("POST", "/v1/models")])
def test_wrong_method_is_405_with_allow(server: ServerThread, method: str, path: str) -> None:
    response = httpx.request(method, server.url + path)
    error = error_of(response, 405)
    assert method in error["message"]
    assert response.headers["allow"] in ("POST", "GET")


def test_unknown_scenario_in_path_is_404_listing_the_loaded_ones(server: ServerThread) -> None:
    response = httpx.post(server.url + "/s/nope" + CHAT, json={"model": "x", "messages": [GOOD_MESSAGE]})
    error = error_of(response, 404)
    assert "nope" in error["message"]
    assert "echo" in error["message"]
