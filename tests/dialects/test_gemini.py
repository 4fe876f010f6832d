"""Gemini's bytes: SSE with CRLF and no terminator, the streamed JSON array, Google's errors, bad input."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from fakellm.dialects.gemini import GeminiDialect
from fakellm.dialects.gemini.request import parse_generate_body
from fakellm.errors import ApiError
from fakellm.faults.ratelimit import RateLimitStatus
from fakellm.ids import IdSource
from fakellm.model import ChatRequest, Message, TextPart
from fakellm.server.router import Router
from fakellm.testing.server_thread import ServerThread
from tests.support.contexts import context_for
from tests.support.dialect_support import SMALL_BODY_LIMIT, start_server

MODEL_PATH = "/v1beta/models/gemini-2.5-flash"
BODY = {"contents": [{"role": "user", "parts": [{"text": "Repeat with me: the blue sky"}]}]}


@pytest.fixture(scope="module")
def server() -> Iterator[ServerThread]:
    thread = start_server({}, max_body=SMALL_BODY_LIMIT)
    yield thread
    thread.stop()


def post(server: ServerThread, suffix: str, **kwargs: object) -> httpx.Response:
    return httpx.post(server.url + MODEL_PATH + suffix, **kwargs)  # type: ignore[arg-type]


def test_sse_stream_uses_crlf_separators_and_no_terminator(server: ServerThread) -> None:
    response = post(server, ":streamGenerateContent?alt=sse", json=BODY)
    raw = response.content
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/event-stream"
    assert raw.endswith(b"}\r\n\r\n")
    events = raw[:-4].split(b"\r\n\r\n")
    assert all(e.startswith(b"data: {") for e in events)
    assert b"[DONE]" not in raw
    assert b"\nevent:" not in raw
    assert b"\n:" not in raw
    chunks = [json.loads(e[len(b"data: ") :]) for e in events]
    assert "".join(p.get("text", "") for c in chunks for p in c["candidates"][0]["content"]["parts"]) == "the blue sky"
    assert chunks[-1]["candidates"][0]["finishReason"] == "STOP"
    assert {c["modelVersion"] for c in chunks} == {"gemini-2.5-flash"}
    assert len({c["responseId"] for c in chunks}) == 1


def test_sse_json_has_colon_space_but_no_comma_space(server: ServerThread) -> None:
    raw = post(server, ":streamGenerateContent?alt=sse", json=BODY).content
    assert raw.startswith(
        b'data: {"candidates": [{"content": {"parts": [{"text": "the"}],"role": "model"},"index": 0}],'
    )


def test_array_stream_parses_as_one_json_document(server: ServerThread) -> None:
    response = post(server, ":streamGenerateContent", json=BODY)
    assert response.headers["content-type"] == "application/json; charset=UTF-8"
    raw = response.content
    assert raw.startswith(b'[{\n  "candidates"')
    assert b"\n,\r\n{" in raw
    assert raw.endswith(b"}\n]")
    elements = json.loads(raw)
    assert isinstance(elements, list)
    assert len(elements) == 3  # Gemini 2.5: the last text chunk carries the finish, no empty chunk follows
    assert elements[-1]["usageMetadata"]["candidatesTokenCount"] == 3
    assert elements[-1]["candidates"][0]["finishReason"] == "STOP"
    assert elements[-1]["candidates"][0]["content"]["parts"] == [{"text": " sky"}]


def test_non_streaming_body_is_pretty_printed_with_charset(server: ServerThread) -> None:
    response = post(server, ":generateContent", json=BODY)
    assert response.headers["content-type"] == "application/json; charset=UTF-8"
    assert response.content.startswith(b'{\n  "candidates": [\n')
    body = response.json()
    assert list(body) == ["candidates", "usageMetadata", "modelVersion", "responseId"]
    assert body["candidates"][0]["content"] == {"parts": [{"text": "the blue sky"}], "role": "model"}


def test_key_is_read_from_header_or_query() -> None:
    thread = start_server({}, api_keys=["AIza-right"])
    try:
        url = thread.url + MODEL_PATH + ":generateContent"
        assert httpx.post(url, json=BODY, headers={"x-goog-api-key": "AIza-right"}).status_code == 200
        assert httpx.post(url + "?key=AIza-right", json=BODY).status_code == 200
        wrong = httpx.post(url + "?key=AIza-wrong", json=BODY)
        assert wrong.status_code == 400
        assert wrong.json()["error"]["details"][0]["reason"] == "API_KEY_INVALID"
        missing = httpx.post(url, json=BODY)
        assert missing.status_code == 403
        assert missing.json()["error"]["status"] == "PERMISSION_DENIED"
    finally:
        thread.stop()


BAD_BODIES: dict[str, tuple[bytes, int, str]] = {
    "malformed_json": (b'{"contents": [', 400, "INVALID_ARGUMENT"),
    "empty_body": (b"", 400, "INVALID_ARGUMENT"),
    "json_array_body": (b"[1, 2]", 400, "INVALID_ARGUMENT"),
    "no_contents": (b"{}", 400, "INVALID_ARGUMENT"),
    "mistyped_contents": (b'{"contents": "hi"}', 400, "INVALID_ARGUMENT"),
    "content_without_parts": (b'{"contents": [{"role": "user"}]}', 400, "INVALID_ARGUMENT"),
    "part_with_no_known_field": (
        b'{"contents": [{"role": "user", "parts": [{"colour": "red"}]}]}',
        400,
        "INVALID_ARGUMENT",
    ),
    "bad_role": (b'{"contents": [{"role": "assistant", "parts": [{"text": "hi"}]}]}', 400, "INVALID_ARGUMENT"),
    "mistyped_text": (b'{"contents": [{"parts": [{"text": 5}]}]}', 400, "INVALID_ARGUMENT"),
    "non_utf8_body": (b'{"contents": [{"parts": [{"text": "\xff"}]}]}', 400, "INVALID_ARGUMENT"),
    "too_large": (
        b'{"contents": [{"parts": [{"text": "' + b"x" * SMALL_BODY_LIMIT + b'"}]}]}',
        413,
        "INVALID_ARGUMENT",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_BODIES))
def test_bad_input_gets_googles_error_shape(server: ServerThread, case: str) -> None:
    content, status, status_name = BAD_BODIES[case]
    response = post(server, ":generateContent", content=content, headers={"content-type": "application/json"})
    assert response.status_code == status
    error = response.json()["error"]
    assert error["code"] == status
    assert error["status"] == status_name
    assert error["message"]
    assert response.content.startswith(b'{\n  "error": {\n    "code": ')


def test_part_with_no_known_field_names_the_oneof() -> None:
    with pytest.raises(ApiError) as caught:
        parse_generate_body({"contents": [{"parts": [{"colour": "red"}]}]}, "m", stream=False, ids=IdSource())
    assert caught.value.message == (
        "* GenerateContentRequest.contents[0].parts[0].data: required oneof field 'data' must have one "
        "initialized field\n"
    )


def test_error_on_an_array_stream_request_is_a_one_element_array(server: ServerThread) -> None:
    response = post(server, ":streamGenerateContent", content=b"{}", headers={"content-type": "application/json"})
    assert response.status_code == 400
    body = json.loads(response.content)
    assert isinstance(body, list)
    assert body[0]["error"]["code"] == 400


def test_wrong_method_and_unknown_route_answer_in_googles_shape(server: ServerThread) -> None:
    wrong = httpx.get(server.url + MODEL_PATH + ":generateContent")
    assert wrong.status_code == 405
    assert isinstance(wrong.json()["error"]["code"], int)
    unknown = httpx.post(server.url + MODEL_PATH + ":predictLongRunning", json=BODY)
    assert unknown.status_code == 404
    assert unknown.json()["error"]["status"] == "NOT_FOUND"


def test_list_models_on_v1beta_and_on_v1_with_a_google_key(server: ServerThread) -> None:
    v1beta = httpx.get(server.url + "/v1beta/models").json()
    assert "models/fakellm/echo" in [m["name"] for m in v1beta["models"]]
    v1 = httpx.get(server.url + "/v1/models", headers={"x-goog-api-key": "k"}).json()
    assert "models" in v1
    openai_list = httpx.get(server.url + "/v1/models", headers={"authorization": "Bearer k"}).json()
    assert openai_list["object"] == "list"


def ctx_for(path: str) -> object:
    scope = {"type": "http", "method": "POST", "path": path, "headers": [], "query_string": b"alt=sse"}
    return Router([GeminiDialect()]).resolve(scope)


def test_rate_limit_is_resource_exhausted_with_retry_info() -> None:
    error = ApiError(
        429, code="rate_limit_exceeded", retry_after=45, details={"limit": 10, "model": "gemini-2.5-flash"}
    )
    response = GeminiDialect().render_error(error, ctx_for(MODEL_PATH + ":generateContent"))  # type: ignore[arg-type]
    body = json.loads(response.body)["error"]
    assert response.status == 429
    assert body["status"] == "RESOURCE_EXHAUSTED"
    assert body["message"].endswith("Please retry in 45s.")
    retry = [d for d in body["details"] if d["@type"] == "type.googleapis.com/google.rpc.RetryInfo"]
    assert retry == [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "45s"}]


@pytest.mark.parametrize("status", [400, 401, 403, 404, 408, 409, 413, 429, 500, 502, 503, 504, 529])
def test_every_status_has_stock_wording_and_an_int_code(status: int) -> None:
    response = GeminiDialect().render_error(ApiError(status), ctx_for(MODEL_PATH + ":generateContent"))  # type: ignore[arg-type]
    error = json.loads(response.body)["error"]
    assert response.status == status
    assert error["code"] == status
    assert error["message"]
    assert error["status"].isupper()


def test_no_rate_limit_headers() -> None:
    assert GeminiDialect().rate_limit_headers(RateLimitStatus(1, 0, 1.0, 1, 0, 1.0)) == {}


def test_stream_error_frames_for_sse_and_array() -> None:
    request = ChatRequest("gemini", "m", [Message("user", [TextPart("hi")])], stream=True)
    dialect = GeminiDialect()
    sse = dialect.render_stream_error(ApiError(503), request, context_for(dialect, query={"alt": "sse"}))
    assert sse.startswith(b'data: {"error": {"code": 503,')
    assert sse.endswith(b"}}\r\n\r\n")
    array = dialect.render_stream_error(ApiError(503), request, context_for(dialect))
    assert json.loads(b"[{}" + array + b"\n]")[1]["error"]["status"] == "UNAVAILABLE"
