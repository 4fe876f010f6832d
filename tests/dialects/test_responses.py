"""The Responses dialect's bytes on the wire, read raw with httpx (docs/wire/responses.md)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from fakellm import FakeLLM
from fakellm.dialects.responses.store import ResponseStore, StoredResponse
from fakellm.server.urls import banner

RESPONSE_KEYS = [
    "id", "object", "created_at", "status", "background", "completed_at", "error", "frequency_penalty",
    "incomplete_details", "instructions", "max_output_tokens", "max_tool_calls", "model", "moderation", "output",
    "parallel_tool_calls", "presence_penalty", "previous_response_id", "prompt_cache_key", "prompt_cache_retention",
    "reasoning", "safety_identifier", "service_tier", "store", "temperature", "text", "tool_choice", "tools",
    "top_logprobs", "top_p", "truncation", "usage", "user", "metadata",
]  # fmt: skip
ID = re.compile(r"(resp|msg|fc|rs)_([0-9a-f]{16})00([0-9a-f]{8})[0-9a-f]{24}")
SCENARIO = """
name: {name}
defaults:
  stream: {{error_after: 2, error_status: {status}}}
rules:
  - reply: {{text: "one two three four five"}}
"""


def events(body: bytes) -> list[tuple[str, dict[str, Any]]]:
    """Each event's name and data, checking that every event is an `event:` line and one `data:` line."""
    assert body.endswith(b"\n\n")
    assert b"[DONE]" not in body
    found = []
    for part in body[:-2].split(b"\n\n"):
        name, data = part.split(b"\n")
        assert name.startswith(b"event: "), part
        assert data.startswith(b"data: "), part
        found.append((name[7:].decode(), json.loads(data[6:])))
    return found


@pytest.fixture(scope="module")
def llm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeLLM]:
    folder = tmp_path_factory.mktemp("scenarios")
    for name, status in (("fails-500", 500), ("fails-429", 429)):
        (folder / f"{name}.yaml").write_text(SCENARIO.format(name=name, status=status))
    with FakeLLM(scenarios=[Path(folder)]) as fake:
        yield fake


def post(llm: FakeLLM, path: str = "/v1/responses", **body: Any) -> httpx.Response:
    return httpx.post(llm.url + path, json={"model": "gpt-4.1", "input": "one two three", **body}, timeout=10)


def test_body_in_openais_key_order(llm: FakeLLM) -> None:
    reply = post(llm)
    assert reply.status_code == 200
    assert reply.headers["content-type"] == "application/json"
    assert reply.headers["openai-version"] == "2020-10-01"
    assert reply.headers["x-request-id"].startswith("req_")
    body = reply.json()
    assert reply.content == json.dumps(body).encode()  # `", "` and `": "`, as OpenAI writes whole bodies
    assert list(body) == RESPONSE_KEYS
    assert body["text"] == {"format": {"type": "text"}, "verbosity": "medium"}
    assert list(body["output"][0]) == ["id", "type", "status", "content", "role"]
    assert body["output"][0]["content"] == [
        {"type": "output_text", "annotations": [], "logprobs": [], "text": "one two three"}
    ]
    assert list(body["usage"]) == ["input_tokens", "input_tokens_details", "output_tokens", "output_tokens_details",
                                   "total_tokens"]  # fmt: skip


def test_ids_share_the_response_prefix_and_time(llm: FakeLLM) -> None:
    body = post(llm, model="fakellm/reasoning").json()
    response = ID.fullmatch(body["id"])
    assert response is not None
    assert response.group(1) == "resp"
    assert int(response.group(3), 16) == body["created_at"]
    for item in body["output"]:
        match = ID.fullmatch(item["id"])
        assert match is not None
        assert match.group(2) == response.group(2)


def test_stream_events_are_named_numbered_and_sorted(llm: FakeLLM) -> None:
    reply = post(llm, stream=True)
    assert reply.headers["content-type"] == "text/event-stream; charset=utf-8"
    found = events(reply.content)
    assert [data["sequence_number"] for _, data in found] == list(range(len(found)))
    for name, data in found:
        assert data["type"] == name
        assert next(iter(data)) == "type"
        assert list(data)[1:] == sorted(list(data)[1:])
    deltas = [data for name, data in found if name == "response.output_text.delta"]
    assert [d["delta"] for d in deltas] == ["one", " two", " three"]
    assert all(len(d["delta"]) + len(d["obfuscation"]) == 16 and d["logprobs"] == [] for d in deltas)
    created, completed = found[0][1]["response"], found[-1][1]["response"]
    assert created["status"] == "in_progress"
    assert created["usage"] is None
    assert created["output"] == []
    assert completed["status"] == "completed"
    assert completed["id"] == created["id"]
    assert list(completed) == RESPONSE_KEYS


def test_obfuscation_can_be_turned_off(llm: FakeLLM) -> None:
    found = events(post(llm, stream=True, stream_options={"include_obfuscation": False}).content)
    assert not any("obfuscation" in data for _, data in found)


def test_a_500_mid_stream_is_response_failed(llm: FakeLLM) -> None:
    found = events(post(llm, "/s/fails-500/v1/responses", stream=True).content)
    assert [data["sequence_number"] for _, data in found] == list(range(len(found)))
    assert sum(name == "response.output_text.delta" for name, _ in found) == 2
    name, data = found[-1]
    assert name == "response.failed"
    assert data["response"]["status"] == "failed"
    assert data["response"]["error"]["code"] == "server_error"
    assert llm.requests[-1].fault is not None


def test_other_errors_mid_stream_are_an_error_event(llm: FakeLLM) -> None:
    found = events(post(llm, "/s/fails-429/v1/responses", stream=True).content)
    name, data = found[-1]
    assert name == "error"
    assert list(data) == ["type", "error", "sequence_number"]
    assert data["sequence_number"] == len(found) - 1
    assert data["error"]["code"] == "rate_limit_exceeded"
    assert data["error"]["message"]


def test_disconnect_and_malformed_scenarios(llm: FakeLLM) -> None:
    with pytest.raises(httpx.RemoteProtocolError):
        post(llm, "/s/disconnect/v1/responses", stream=True)
    body = post(llm, "/s/malformed/v1/responses", stream=True, input="missing_data_prefix please").content
    broken = [part for part in body.split(b"\n\n") if part and b"\ndata: " not in part]
    assert len(broken) == 1
    assert broken[0].startswith(b"event: response.output_text.delta\n{")


def test_stored_routes_and_their_errors(llm: FakeLLM) -> None:
    made = post(llm).json()
    base = f"{llm.url}/v1/responses/{made['id']}"
    assert httpx.get(base).json() == made
    items = httpx.get(base + "/input_items").json()
    assert items["object"] == "list"
    assert items["data"][0]["content"] == [{"type": "input_text", "text": "one two three"}]
    bad_limit = httpx.get(base + "/input_items", params={"limit": "0"})
    assert bad_limit.status_code == 400
    assert bad_limit.json()["error"]["param"] == "limit"
    assert httpx.get(f"{llm.url}/v1/responses/nope").json()["error"]["param"] == "response_id"
    assert httpx.put(base).status_code == 405
    assert httpx.delete(base).json()["deleted"] is True
    missing = httpx.delete(base)
    assert missing.status_code == 404
    assert missing.json() == {"error": {"message": f"Response with id '{made['id']}' not found.",
                                        "type": "invalid_request_error", "param": None, "code": None}}  # fmt: skip


def test_unknown_previous_response_id(llm: FakeLLM) -> None:
    reply = post(llm, previous_response_id="resp_missing")
    assert reply.status_code == 400
    assert reply.json()["error"] == {"message": "Previous response with id 'resp_missing' not found.",
                                     "type": "invalid_request_error", "param": "previous_response_id",
                                     "code": "previous_response_not_found"}  # fmt: skip


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"input": 3}, "input"),
        ({"input": [{"type": ["message"]}]}, "input[0].type"),
        ({"input": [{"role": "user", "content": [{"type": "input_text"}]}]}, "input[0].content[0].text"),
        ({"tools": [{"type": "function"}]}, "tools[0].name"),
        ({"text": {"format": {"type": "json_schema", "name": "x", "schema": 3}}}, "text.format.schema"),
        ({"input": [{"type": "function_call_output", "call_id": "c"}]}, "input[0].output"),
        ({"tools": [{"type": "telepathy"}]}, "tools[0].type"),
        ({"tool_choice": "sometimes"}, "tool_choice"),
        ({"reasoning": {"effort": "extreme"}}, "reasoning.effort"),
        ({"max_output_tokens": 3}, "max_output_tokens"),
        ({"model": None}, "model"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(llm: FakeLLM, body: dict[str, Any], param: str) -> None:
    reply = post(llm, **body)
    assert reply.status_code == 400
    assert reply.json()["error"]["param"] == param


def test_builtin_tools_are_echoed_never_called(llm: FakeLLM) -> None:
    body = post(llm, model="fakellm/tools", tools=[{"type": "web_search"}], tool_choice="auto").json()
    assert body["tools"] == [{"type": "web_search"}]
    assert [item["type"] for item in body["output"]] == ["message"]


def test_azure_routes_answer_in_azures_shape(llm: FakeLLM) -> None:
    reply = post(llm, "/openai/responses")
    assert reply.status_code == 404
    assert reply.json() == {"error": {"code": "404", "message": "Resource not found"}}
    ok = post(llm, "/openai/responses?api-version=2025-04-01-preview")
    assert ok.status_code == 200
    assert "apim-request-id" in ok.headers
    with FakeLLM(api_key="right") as guarded:
        refused = httpx.post(guarded.url + "/openai/v1/responses", json={"model": "m", "input": "x"},
                             headers={"api-key": "wrong"})  # fmt: skip
        assert refused.status_code == 401
        assert refused.json()["error"]["code"] == "401"


def test_reset_forgets_stored_responses(llm: FakeLLM) -> None:
    made = post(llm).json()
    llm.app.reset()
    assert httpx.get(f"{llm.url}/v1/responses/{made['id']}").status_code == 404


def test_the_store_is_bounded() -> None:
    store = ResponseStore(kept=3, max_bytes=1000)
    for i in range(5):
        store.put(f"resp_{i}", StoredResponse({"id": i}, (), (), 100))
    assert len(store) == 3
    assert store.get("resp_1") is None
    assert store.get("resp_4") is not None
    store.put("resp_big", StoredResponse({}, (), (), 950))
    assert len(store) == 1
    assert store.get("resp_big") is not None


def test_the_banner_and_base_urls_name_the_responses_api(llm: FakeLLM) -> None:
    urls = llm.base_urls()
    assert urls["responses"] == llm.openai_base_url
    assert urls["azure_responses"] == llm.azure_endpoint
    assert f"Responses API    base_url={llm.openai_base_url}" in banner(llm.url, ["echo"])


def test_request_semantics_reach_the_neutral_request(llm: FakeLLM) -> None:
    schema = {"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]}
    post(
        llm,
        tools=[{"type": "function", "name": "f", "parameters": {}}, {"type": "function", "name": "g"}],
        tool_choice={"type": "function", "name": "g"},
        text={"format": {"type": "json_schema", "name": "thing", "schema": schema, "strict": True}},
        reasoning={"effort": "high"},
        max_output_tokens=50,
        parallel_tool_calls=False,
    )
    sent = llm.requests[-1].request
    assert sent is not None
    assert [t.name for t in sent.tools] == ["f", "g"]
    assert (sent.tool_choice.mode, sent.tool_choice.names) == ("named", ("g",))
    assert (sent.output.kind, sent.output.name, sent.output.schema, sent.output.strict) == (
        "json_schema", "thing", schema, True,
    )  # fmt: skip
    assert (sent.reasoning_effort, sent.max_tokens, sent.parallel_tool_calls) == ("high", 50, False)
    post(llm, tool_choice={"type": "allowed_tools", "mode": "required", "tools": [{"type": "function", "name": "f"}]})
    allowed = llm.requests[-1].request
    assert allowed is not None
    assert (allowed.tool_choice.mode, allowed.tool_choice.names) == ("required", ("f",))


STREAM_ENDINGS = {
    "midstream-error": "response.failed",
    "disconnect": "dropped",
    "stall": "stalled",
    "malformed": "broken",
}


@pytest.mark.parametrize(
    "name",
    ["echo", "lorem", "script", "tools", "reasoning", "slow", "flaky", "rate-limited", *STREAM_ENDINGS],
)
def test_every_builtin_scenario_streams_in_the_responses_dialect(llm: FakeLLM, name: str) -> None:
    llm.app.pipeline.faults.reset()
    fast = {"X-FakeLLM-TTFT-Ms": "0", "X-FakeLLM-Tokens-Per-Second": "100000"}
    tool = {"type": "function", "name": "f", "parameters": {"type": "object", "properties": {}}}
    body = {"model": f"fakellm/{name}", "input": "Repeat with me: hi there", "stream": True, "tools": [tool]}
    try:
        reply = httpx.post(f"{llm.url}/v1/responses", json=body, headers=fast, timeout=httpx.Timeout(10, read=1.5))
    except httpx.RemoteProtocolError:
        ending = "dropped"
    except httpx.ReadTimeout:
        ending = "stalled"
    else:
        if reply.status_code != 200:
            ending = str(reply.status_code)
        else:
            try:
                ending = events(reply.content)[-1][0]
            except (ValueError, AssertionError):
                ending = "broken"
    expected = STREAM_ENDINGS.get(name, "response.completed")
    assert ending == expected or (name, ending) in {("flaky", "503"), ("rate-limited", "429")}
    assert llm.requests[-1].dialect == "responses"
    assert not llm.app.server_errors


def test_a_filtered_reply_is_incomplete_for_content_filter(llm: FakeLLM) -> None:
    llm.add_rule(user="filtered", reply={"text": "partial", "finish_reason": "content_filter"}, scenario="filtered")
    body = post(llm, model="fakellm/filtered", input="filtered please").json()
    assert body["status"] == "incomplete"
    assert body["incomplete_details"] == {"reason": "content_filter"}
    found = events(post(llm, model="fakellm/filtered", input="filtered please", stream=True).content)
    assert found[-1][0] == "response.incomplete"
    assert found[-1][1]["response"]["incomplete_details"] == {"reason": "content_filter"}


def test_models_are_reported_and_checked_as_the_catalogue_has_them(llm: FakeLLM) -> None:
    assert post(llm, model="gpt-4.1").json()["model"] == "gpt-4.1-2025-04-14"
    assert post(llm, model="my-own-model").json()["model"] == "my-own-model"
    with FakeLLM(strict_models=True) as strict:
        unknown = post(strict, model="gpt-9000")
        assert unknown.status_code == 404
        assert unknown.json()["error"]["code"] == "model_not_found"
        assert post(strict, model="gpt-4.1").status_code == 200
        assert post(strict, model="fakellm/echo").status_code == 200
