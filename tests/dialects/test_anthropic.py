"""The Anthropic dialect byte by byte (raw httpx against a real server) and its parts on their own:
validation in Anthropic's wording, the event sequence, errors, headers, ids and model pages."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from fakellm.dialects.anthropic.headers import BASE58
from fakellm.dialects.anthropic.request import AnthropicOptions, parse_request
from fakellm.errors import ApiError
from fakellm.testing.harness import FakeLLM

V = {"anthropic-version": "2023-06-01"}
HI: list[dict[str, Any]] = [{"role": "user", "content": "Repeat with me: a b"}]


@pytest.fixture(scope="module")
def llm() -> Iterator[FakeLLM]:
    with FakeLLM() as server:
        yield server


def post(llm: FakeLLM, body: dict[str, Any], path: str = "/v1/messages", **headers: str) -> httpx.Response:
    return httpx.post(llm.url + path, json=body, headers={**V, **headers}, timeout=10)


def events(raw: str) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for block in raw.split("\n\n"):
        if not block:
            continue
        name, data = block.split("\n")
        assert name.startswith("event: ")
        assert data.startswith("data: ")
        out.append((name[7:], json.loads(data[6:])))
    return out


def body(**fields: Any) -> dict[str, Any]:
    return {"model": "claude-x", "max_tokens": 100, "messages": HI, **fields}


def refusal(**fields: Any) -> str:
    with pytest.raises(ApiError) as caught:
        parse_request(fields, V)
    assert caught.value.status == 400
    return caught.value.message or ""


# --- over the wire ---------------------------------------------------------------------------------


def test_stream_bytes_follow_anthropics_event_sequence(llm: FakeLLM) -> None:
    response = post(llm, body(stream=True))
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
    assert response.headers["request-id"].startswith("req_011C")
    assert response.text.endswith('event: message_stop\ndata: {"type":"message_stop"}\n\n')
    assert "[DONE]" not in response.text
    assert 'event: ping\ndata: {"type": "ping"}\n\n' in response.text
    names = [name for name, _ in events(response.text)]
    assert names == [
        "message_start",
        "content_block_start",
        "ping",
        "content_block_delta",
        "content_block_delta",
        "content_block_stop",
        "message_delta",
        "message_stop",
    ]
    start = events(response.text)[0][1]["message"]
    assert list(start) == ["model", "id", "type", "role", "content", "stop_reason", "stop_sequence", "usage"]
    assert start["content"] == []
    assert start["stop_reason"] is None
    last_delta = events(response.text)[-2][1]
    assert last_delta["delta"] == {"stop_reason": "end_turn", "stop_sequence": None}
    assert last_delta["usage"]["output_tokens"] == 2
    assert last_delta["usage"]["input_tokens"] == start["usage"]["input_tokens"]


def test_json_body_is_compact_in_anthropics_key_order(llm: FakeLLM) -> None:
    response = post(llm, body())
    assert response.headers["content-type"] == "application/json"
    message = response.json()
    assert list(message) == ["model", "id", "type", "role", "content", "stop_reason", "stop_sequence", "usage"]
    assert list(message["usage"]) == [
        "input_tokens",
        "cache_creation_input_tokens",
        "cache_read_input_tokens",
        "cache_creation",
        "output_tokens",
        "service_tier",
        "inference_geo",
    ]
    assert ", " not in response.text
    assert all(c in BASE58 for c in message["id"][len("msg_01") :])


def test_thinking_stream_signs_then_answers(llm: FakeLLM) -> None:
    request = body(stream=True, max_tokens=2000, thinking={"type": "enabled", "budget_tokens": 1024})
    seen = events(post(llm, request, **{"x-fakellm-scenario": "reasoning"}).text)
    blocks = [e["content_block"] for n, e in seen if n == "content_block_start"]
    assert blocks[0] == {"type": "thinking", "thinking": "", "signature": ""}
    assert blocks[1] == {"type": "text", "text": ""}
    deltas = [e["delta"]["type"] for n, e in seen if n == "content_block_delta" and e["index"] == 0]
    assert deltas[-1] == "signature_delta"
    assert set(deltas[:-1]) == {"thinking_delta"}
    omitted = body(max_tokens=2000, thinking={"type": "enabled", "budget_tokens": 1024, "display": "omitted"})
    first = post(llm, omitted, **{"x-fakellm-scenario": "reasoning"}).json()["content"][0]
    assert first["type"] == "thinking"
    assert first["thinking"] == ""
    assert first["signature"]


def test_streamed_tool_input_starts_empty_and_adds_up(llm: FakeLLM) -> None:
    tool = {"name": "lookup", "input_schema": {"type": "object", "properties": {"q": {"type": "string"}}}}
    seen = events(post(llm, body(stream=True, tools=[tool]), **{"x-fakellm-scenario": "tools"}).text)
    start = next(e["content_block"] for n, e in seen if n == "content_block_start")
    assert (start["type"], start["name"], start["input"]) == ("tool_use", "lookup", {})
    parts = [e["delta"]["partial_json"] for n, e in seen if n == "content_block_delta"]
    assert parts[0] == ""
    assert isinstance(json.loads("".join(parts))["q"], str)
    assert seen[-2][1]["delta"]["stop_reason"] == "tool_use"


def test_errors_are_anthropics_shape_with_the_request_id(llm: FakeLLM) -> None:
    response = post(llm, {"model": "m", "messages": HI})
    assert response.status_code == 400
    assert response.json() == {
        "type": "error",
        "error": {"type": "invalid_request_error", "message": "max_tokens: Field required"},
        "request_id": response.headers["request-id"],
    }
    broken = httpx.post(llm.url + "/v1/messages", content=b"{nope", headers=V)
    assert broken.status_code == 400
    assert broken.json()["error"]["type"] == "invalid_request_error"
    missing = httpx.post(llm.url + "/v1/messages/nothing", json={}, headers=V)
    assert missing.status_code == 404
    assert missing.json()["error"]["type"] == "not_found_error"
    wrong_method = httpx.get(llm.url + "/v1/messages", headers=V)
    assert wrong_method.status_code == 405
    assert wrong_method.json()["type"] == "error"


def test_count_tokens_needs_the_version_and_no_max_tokens(llm: FakeLLM) -> None:
    counted = post(llm, {"model": "m", "messages": HI}, "/v1/messages/count_tokens")
    assert counted.json() == {"input_tokens": post(llm, body()).json()["usage"]["input_tokens"]}
    unversioned = httpx.post(llm.url + "/v1/messages/count_tokens", json={"model": "m", "messages": HI})
    assert unversioned.status_code == 400
    assert unversioned.json()["error"]["message"] == "anthropic-version: header is required"
    extra = post(llm, body(), "/v1/messages/count_tokens")
    assert extra.json()["error"]["message"] == "max_tokens: Extra inputs are not permitted"


def test_models_route_is_decided_by_the_anthropic_version_header(llm: FakeLLM) -> None:
    anthropic_shape = httpx.get(llm.url + "/v1/models", headers=V).json()
    assert set(anthropic_shape) == {"data", "has_more", "first_id", "last_id"}
    assert anthropic_shape["data"][0]["type"] == "model"
    openai_shape = httpx.get(llm.url + "/v1/models", headers={"authorization": "Bearer sk-x"}).json()
    assert openai_shape["object"] == "list"
    gemini_shape = httpx.get(llm.url + "/v1/models", headers={"x-goog-api-key": "k"}).json()
    assert "models" in gemini_shape
    one = httpx.get(llm.url + "/v1/models/claude-haiku-4-5", headers=V).json()
    assert (one["id"], one["display_name"]) == ("claude-haiku-4-5-20251001", "Claude Haiku 4.5")
    assert llm.requests.last.dialect == "anthropic"
    scenario_model = httpx.get(llm.url + "/v1/models/fakellm%2Fecho", headers=V).json()
    assert (scenario_model["type"], scenario_model["id"]) == ("model", "fakellm/echo")
    openai_one = httpx.get(llm.url + "/v1/models/gpt-4o", headers={"authorization": "Bearer sk-x"}).json()
    assert openai_one["object"] == "model"  # OpenAI's own retrieve route: no anthropic-version, not ours
    assert llm.requests.last.dialect == "openai"


def test_the_journal_masks_x_api_key(llm: FakeLLM) -> None:
    post(llm, body(), **{"x-api-key": "sk-ant-api03-secretsecret"})
    shown = llm.requests.last.headers["x-api-key"]
    assert "secretsecret" not in shown
    assert shown.startswith("sk-a")


# --- parsing ---------------------------------------------------------------------------------------


def test_request_fields_map_to_the_neutral_request() -> None:
    request = parse_request(
        body(
            system=[{"type": "text", "text": "Be terse."}, {"type": "text", "text": "Be kind."}],
            tools=[
                {"name": "a", "input_schema": {"type": "object"}},
                {"type": "web_search_20250305", "name": "web_search"},
            ],
            tool_choice={"type": "any", "disable_parallel_tool_use": True},
            stop_sequences=["END"],
            temperature=0.2,
            output_config={"effort": "low", "format": {"type": "json_schema", "schema": {"type": "object"}}},
        ),
        V,
    )
    assert request.system_prompt == "Be terse.\nBe kind."
    assert [t.name for t in request.tools] == ["a"]  # the server tool is the server's to run
    assert (request.tool_choice.mode, request.parallel_tool_calls) == ("required", False)
    assert request.stop == ("END",)
    assert request.max_tokens == 100
    assert request.reasoning_effort == "low"
    assert request.output.kind == "json_schema"
    assert request.extras == {"temperature": 0.2}
    named = parse_request(body(tools=[{"name": "a", "input_schema": {}}], tool_choice={"type": "tool", "name": "a"}), V)
    assert (named.tool_choice.mode, named.tool_choice.names) == ("named", ("a",))
    assert parse_request(body(tool_choice={"type": "none"}), V).tool_choice.mode == "none"


def test_content_blocks_become_messages() -> None:
    history = [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "Look"},
                {"type": "image", "source": {"type": "url", "url": "http://x/i.png"}},
            ],
        },
        {
            "role": "assistant",
            "content": [
                {"type": "thinking", "thinking": "hmm", "signature": "Esig"},
                {"type": "tool_use", "id": "toolu_1", "name": "f", "input": {"x": 1}},
            ],
        },
        {
            "role": "user",
            "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": [{"type": "text", "text": "42"}]}],
        },
    ]
    thinking = {"type": "enabled", "budget_tokens": 1024}
    request = parse_request(body(messages=history, max_tokens=2000, thinking=thinking), V)
    roles = [m.role for m in request.messages]
    assert roles == ["user", "assistant", "tool"]
    assert request.messages[0].parts[1].kind == "image"
    assert request.messages[1].tool_calls[0].arguments == '{"x": 1}'
    assert (request.messages[2].tool_call_id, request.messages[2].text) == ("toolu_1", "42")
    assert request.options_as(AnthropicOptions).budget_tokens == 1024


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"messages": HI, "max_tokens": 1}, "model: Field required"),
        ({"model": "m", "messages": HI, "max_tokens": "9"}, "max_tokens: Input should be a valid integer"),
        ({"model": "m", "messages": HI, "max_tokens": 0}, "max_tokens: Input should be greater than or equal to 1"),
        ({"model": "m", "messages": HI, "max_tokens": 9, "n": 2}, "n: Extra inputs are not permitted"),
        ({"model": "m", "max_tokens": 9}, "messages: Field required"),
        ({"model": "m", "max_tokens": 9, "messages": [{"role": "system", "content": "x"}]}, 'Unexpected role "system"'),
        (
            {"model": "m", "max_tokens": 9, "messages": [{"role": "user", "content": [{"type": "text", "text": ""}]}]},
            "text content blocks must be non-empty",
        ),
        (
            {"model": "m", "max_tokens": 9, "messages": [{"role": "user", "content": [{"type": "video"}]}]},
            "Input tag 'video'",
        ),
        (
            {"model": "m", "max_tokens": 9, "messages": [{"role": "user", "content": ""}, *HI]},
            "all messages must have non-empty content",
        ),
        ({"model": "m", "max_tokens": 9, "messages": HI, "tool_choice": {"type": "maybe"}}, "Input tag 'maybe'"),
        (
            {
                "model": "m",
                "max_tokens": 9,
                "messages": [*HI, {"role": "assistant", "content": [{"type": "tool_use", "id": "t", "name": "f"}]}],
            },
            "messages.1.content.0.input: Field required",
        ),
        (
            {"model": "m", "max_tokens": 9, "messages": HI, "tools": [{"name": "f"}]},
            "tools.0.custom.input_schema: Field required",
        ),
        (
            {"model": "m", "max_tokens": 2000, "messages": HI, "thinking": {"type": "enabled"}},
            "budget_tokens: Field required",
        ),
        (
            {
                "model": "m",
                "max_tokens": 2000,
                "messages": HI,
                "thinking": {"type": "enabled", "budget_tokens": 1024},
                "temperature": 0.2,
            },
            "`temperature` may only be set to 1 when thinking is enabled.",
        ),
        (
            {
                "model": "m",
                "max_tokens": 2000,
                "messages": HI,
                "thinking": {"type": "enabled", "budget_tokens": 1024},
                "tools": [{"name": "f", "input_schema": {}}],
                "tool_choice": {"type": "any"},
            },
            "Thinking may not be enabled when tool_choice forces tool use.",
        ),
    ],
)
def test_bad_requests_are_refused_in_anthropics_words(fields: dict[str, Any], message: str) -> None:
    assert message in refusal(**fields)


def test_tool_use_and_tool_result_must_pair() -> None:
    use = {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_a", "name": "f", "input": {}}]}
    unanswered = refusal(model="m", max_tokens=9, messages=[*HI, use, *HI])
    assert unanswered.startswith("messages.2: `tool_use` ids were found without `tool_result` blocks")
    stray = {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_b", "content": "1"}]}
    plain = {"role": "assistant", "content": "ok"}
    message = refusal(model="m", max_tokens=9, messages=[*HI, plain, stray])
    assert message.startswith("messages.2.content.0: unexpected `tool_use_id` found in `tool_result` blocks: toolu_b")


def test_manual_thinking_needs_the_thinking_block_sent_back() -> None:
    use = {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_a", "name": "f", "input": {}}]}
    result = {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_a", "content": "1"}]}
    thinking = {"type": "enabled", "budget_tokens": 1024}
    message = refusal(model="m", max_tokens=2000, messages=[*HI, use, result], thinking=thinking)
    assert message.startswith("messages.1.content.0.type: Expected `thinking` or `redacted_thinking`")
    adaptive = parse_request(body(messages=[*HI, use, result], thinking={"type": "adaptive"}), V)
    assert adaptive.messages[-1].role == "tool"


def test_the_version_header_is_required_and_date_shaped() -> None:
    with pytest.raises(ApiError, match="anthropic-version: header is required"):
        parse_request(body(), {})
    with pytest.raises(ApiError, match="is not a valid version"):
        parse_request(body(), {"anthropic-version": "latest"})
