"""The obey stage: replies made to fit the request's tool choice, output format, stop and reasoning effort."""

from __future__ import annotations

import json
import time
from typing import Any

import jsonschema
import pytest

from fakellm.context import RequestContext
from fakellm.dialects.openai import OpenAIDialect
from fakellm.errors import ApiError
from fakellm.model import (
    ChatRequest,
    Message,
    OutputFormat,
    Reply,
    TextPart,
    Tool,
    ToolCall,
    ToolChoice,
    Usage,
)
from fakellm.scenarios.obey import obey

WEATHER = Tool(
    "get_weather", parameters={"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
)
TIME = Tool(
    "get_time",
    parameters={
        "type": "object",
        "properties": {"tz": {"type": "string", "pattern": "^[A-Z]{3}$"}},
        "required": ["tz"],
    },
)
EVENT: dict[str, Any] = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "date": {"type": "string", "format": "date"},
        "participants": {"type": "array", "items": {"type": "string"}, "minItems": 1},
        "code": {"type": "string", "pattern": "^[A-Z]{3}$"},
    },
    "required": ["name", "date", "participants", "code"],
    "additionalProperties": False,
}


def ctx(**headers: str) -> RequestContext:
    return RequestContext(OpenAIDialect(), "POST", "/v1/chat/completions", "chat", dict(headers), {})


def request(*messages: Message, **fields: Any) -> ChatRequest:
    messages = messages or (Message("user", [TextPart("hello there")]),)
    return ChatRequest(dialect="openai", model="m", messages=list(messages), **fields)


def call(name: str, arguments: str = "{}") -> ToolCall:
    return ToolCall(id=f"call_{name}", name=name, arguments=arguments)


def one(req: ChatRequest, reply: Reply, seed: int | None = 1, **headers: str) -> Reply:
    [out] = obey(req, [reply], ctx(**headers), seed)
    return out


def test_a_request_that_asks_nothing_gets_the_very_same_replies() -> None:
    replies = [Reply(text="hi", tool_calls=[call("get_weather")])]
    assert obey(request(tools=[WEATHER]), replies, ctx()) is replies


def test_the_scenarios_own_reply_is_never_changed() -> None:
    shared = Reply(text="hi", tool_calls=[call("get_weather")])
    out = obey(request(tools=[WEATHER], tool_choice=ToolChoice("none")), [shared, shared], ctx(), 1)
    assert shared.tool_calls
    assert shared.adjustments == []
    assert out[0] is not out[1]


# --- tool choice ---------------------------------------------------------------------------------


def test_none_drops_the_calls_and_keeps_the_text() -> None:
    out = one(
        request(tools=[WEATHER], tool_choice=ToolChoice("none")), Reply("Sunny.", tool_calls=[call("get_weather")])
    )
    assert out.tool_calls == []
    assert out.text == "Sunny."
    assert out.resolved_finish_reason == "stop"
    assert any("dropped the tool call(s) get_weather" in note for note in out.adjustments)


def test_none_writes_text_when_the_reply_only_called_tools() -> None:
    reply = Reply(tool_calls=[call("get_weather")], finish_reason="tool_calls")
    out = one(request(tools=[WEATHER], tool_choice=ToolChoice("none")), reply)
    assert out.text.strip()
    assert out.resolved_finish_reason == "stop"


def test_a_named_choice_calls_that_tool_with_arguments_from_its_schema() -> None:
    req = request(tools=[WEATHER, TIME], tool_choice=ToolChoice("named", ("get_time",)))
    out = one(req, Reply(tool_calls=[call("get_weather")]))
    assert [c.name for c in out.tool_calls] == ["get_time"]
    arguments = json.loads(out.tool_calls[0].arguments)
    jsonschema.validate(arguments, TIME.parameters)
    assert out.resolved_finish_reason == "tool_calls"


def test_a_named_choice_keeps_the_scenarios_own_call_to_that_tool() -> None:
    req = request(tools=[WEATHER, TIME], tool_choice=ToolChoice("named", ("get_time",)))
    mine = call("get_time", '{"tz":"CET"}')
    out = one(req, Reply(tool_calls=[call("get_weather"), mine]))
    assert out.tool_calls == [mine]


def test_required_turns_text_into_a_call_and_drops_the_text() -> None:
    out = one(request(tools=[WEATHER, TIME], tool_choice=ToolChoice("required")), Reply("Just text."))
    assert [c.name for c in out.tool_calls] == ["get_weather"]
    assert out.text == ""
    assert out.tool_calls[0].id.startswith("call_")


def test_required_after_a_tool_result_calls_a_tool_not_called_yet() -> None:
    messages = (
        Message("user", [TextPart("weather?")]),
        Message("assistant", tool_calls=[call("get_weather")]),
        Message("tool", [TextPart('{"temp": 20}')], tool_call_id="call_get_weather"),
    )
    req = request(*messages, tools=[WEATHER, Tool("final_result")], tool_choice=ToolChoice("required"))
    out = one(req, Reply("The tool returned 20."))
    assert [c.name for c in out.tool_calls] == ["final_result"]


def test_required_with_every_tool_called_calls_the_first_allowed_again() -> None:
    messages = (
        Message("user", [TextPart("weather?")]),
        Message("assistant", tool_calls=[call("get_weather")]),
        Message("tool", [TextPart("20")], tool_call_id="call_get_weather"),
    )
    out = one(request(*messages, tools=[WEATHER], tool_choice=ToolChoice("required")), Reply("20"))
    assert [c.name for c in out.tool_calls] == ["get_weather"]


def test_required_among_allowed_names_drops_calls_to_others() -> None:
    req = request(tools=[WEATHER, TIME], tool_choice=ToolChoice("required", ("get_time",)))
    out = one(req, Reply(tool_calls=[call("get_weather")]))
    assert [c.name for c in out.tool_calls] == ["get_time"]


def test_auto_among_allowed_names_drops_calls_to_others_but_does_not_force_one() -> None:
    req = request(tools=[WEATHER, TIME], tool_choice=ToolChoice("auto", ("get_time",)))
    out = one(req, Reply("ok", tool_calls=[call("get_weather")]))
    assert out.tool_calls == []
    assert out.text == "ok"


def test_no_parallel_calls_keeps_only_the_first() -> None:
    req = request(tools=[WEATHER, TIME], parallel_tool_calls=False)
    out = one(req, Reply(tool_calls=[call("get_weather"), call("get_time")]))
    assert [c.name for c in out.tool_calls] == ["get_weather"]
    assert "parallel_tool_calls false" in out.adjustments[0]


def test_generated_calls_are_reproducible_under_a_seed() -> None:
    req = request(tools=[WEATHER, TIME], tool_choice=ToolChoice("named", ("get_time",)))
    first, again = one(req, Reply("x"), seed=9), one(req, Reply("x"), seed=9)
    assert first.tool_calls == again.tool_calls
    other = one(req, Reply("x"), seed=10)
    assert other.tool_calls[0].arguments != first.tool_calls[0].arguments


# --- structured output ---------------------------------------------------------------------------


def schema_request(schema: dict[str, Any] = EVENT, **fields: Any) -> ChatRequest:
    return request(output=OutputFormat("json_schema", schema, "Event", strict=True), **fields)


def test_prose_is_replaced_by_a_value_valid_for_the_schema() -> None:
    out = one(schema_request(), Reply("Alice and Bob meet on Friday."))
    value = json.loads(out.text)
    jsonschema.Draft202012Validator(EVENT, format_checker=jsonschema.FormatChecker()).validate(value)
    assert out.text == json.dumps(value, ensure_ascii=False, separators=(",", ":"))  # compact, as models write
    assert any("not JSON" in note and "generated" in note for note in out.adjustments)


def test_text_that_already_fits_the_schema_is_kept_as_it_is() -> None:
    given = '{"name": "Fair", "date": "2026-01-02", "participants": ["Ann"], "code": "ABC"}'
    out = one(schema_request(), Reply(given))
    assert out.text == given
    assert out.adjustments == []


def test_json_that_breaks_the_schema_is_replaced_and_the_reason_noted() -> None:
    out = one(schema_request(), Reply('{"name": "Fair", "date": "Friday", "participants": [], "code": "ABC"}'))
    jsonschema.validate(json.loads(out.text), EVENT)
    assert any("not valid for the schema" in note for note in out.adjustments)


def test_the_value_follows_the_seed_from_the_request_then_the_header_then_the_server() -> None:
    by_request = one(schema_request(seed=4), Reply("x"), seed=1)
    assert one(schema_request(seed=4), Reply("x"), seed=2).text == by_request.text
    by_header = one(schema_request(), Reply("x"), seed=1, **{"x-fakellm-seed": "4"})
    assert by_header.text == by_request.text
    assert one(schema_request(), Reply("x"), seed=4).text == by_request.text
    assert one(schema_request(), Reply("x"), seed=5).text != by_request.text


def test_a_bad_seed_header_is_a_400() -> None:
    with pytest.raises(ApiError) as caught:
        one(schema_request(), Reply("x"), **{"x-fakellm-seed": "abc"})
    assert caught.value.status == 400


def test_json_object_wraps_prose_and_keeps_an_object() -> None:
    req = request(output=OutputFormat("json_object"))
    assert json.loads(one(req, Reply("hello")).text) == {"answer": "hello"}
    assert one(req, Reply('{"a": 1}')).text == '{"a": 1}'
    assert json.loads(one(req, Reply("[1, 2]")).text) == {"answer": "[1, 2]"}


def test_a_reply_that_only_calls_tools_is_not_given_text() -> None:
    out = one(schema_request(tools=[WEATHER]), Reply(tool_calls=[call("get_weather")]))
    assert out.text == ""


def test_a_pattern_the_generator_cannot_follow_is_noted() -> None:
    schema = {"type": "object", "properties": {"w": {"type": "string", "pattern": r"(?=x)\bq"}}, "required": ["w"]}
    out = one(schema_request(schema), Reply("x"))
    assert any("pattern" in note and "not followed" in note for note in out.adjustments)


# --- stop, reasoning ------------------------------------------------------------------------------


def test_the_text_ends_before_the_first_stop_sequence() -> None:
    out = one(request(stop=("END", ".")), Reply("one two. three END four", finish_reason="length"))
    assert out.text == "one two"
    assert out.stop_sequence == "."
    assert out.finish_reason == "stop"


def test_a_stop_sequence_not_in_the_text_changes_nothing() -> None:
    out = one(request(stop=("zzz",)), Reply("abc"))
    assert (out.text, out.stop_sequence, out.adjustments) == ("abc", None, [])


def test_reasoning_effort_none_leaves_the_reasoning_out() -> None:
    reply = Reply("42", reasoning="Let me think.", usage=Usage(3, 5, 4))
    out = one(request(reasoning_effort="none"), reply)
    assert out.reasoning == ""
    assert out.usage is not None
    assert out.usage.reasoning_tokens == 0
    assert one(request(reasoning_effort="low"), reply).reasoning == "Let me think."


# --- hostile schemas ------------------------------------------------------------------------------


def _deep(levels: int) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string"}
    for _ in range(levels):
        schema = {"type": "object", "properties": {"a": schema}, "required": ["a"]}
    return schema


HOSTILE: list[dict[str, Any]] = [
    _deep(500),
    {
        "$defs": {"N": {"type": "object", "properties": {f"p{i}": {"$ref": "#/$defs/N"} for i in range(50)}}},
        "$ref": "#/$defs/N",
    },
    {"type": "object", "properties": {"s": {"type": "string", "pattern": "((a|b){999}){999}"}}},
    {"type": "object", "properties": {"s": {"type": "string", "pattern": "^(a|a)+$", "minLength": 10**9}}},
    {"type": "object", "properties": {"e": {"enum": list(range(100_000))}}},
    {"type": "array", "items": {"type": "string", "minLength": 10**6}, "minItems": 10**6},
    {"anyOf": [{"$ref": "#/anyOf/0"}]},
    {"type": "object", "properties": {f"k{i}": {"type": "string"} for i in range(20_000)}},
]


@pytest.mark.parametrize("schema", HOSTILE, ids=range(len(HOSTILE)))
def test_a_hostile_schema_gets_a_bounded_answer_quickly(schema: dict[str, Any]) -> None:
    start = time.perf_counter()
    out = one(schema_request(schema), Reply("x"))
    assert time.perf_counter() - start < 2.0
    assert len(out.text) < 200_000
    json.loads(out.text)


def test_prose_goes_in_a_field_named_for_an_answer() -> None:
    schema = {
        "type": "object",
        "properties": {"answer": {"type": "string"}, "confidence": {"type": "number"}},
        "required": ["answer", "confidence"],
        "additionalProperties": False,
    }
    out = one(schema_request(schema), Reply("The capital is Paris."))
    assert json.loads(out.text)["answer"] == "The capital is Paris."
    assert "put in 'answer'" in out.adjustments[-1]


def test_prose_does_not_go_in_a_field_it_would_not_fit() -> None:
    schema = {"type": "object", "properties": {"answer": {"type": "string", "maxLength": 3}}, "required": ["answer"]}
    out = one(schema_request(schema), Reply("The capital is Paris."))
    assert len(json.loads(out.text)["answer"]) <= 3
    names = {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}
    assert json.loads(one(schema_request(names), Reply("Ann is 30")).text)["name"] != "Ann is 30"


def test_prompt_schema_is_found_bounded_and_the_last_one_wins() -> None:
    from fakellm.model import ChatRequest, Message, TextPart
    from fakellm.scenarios.structured import PROMPT_SCAN_STARTS, prompt_schema

    def request(*texts: str) -> ChatRequest:
        return ChatRequest("openai", "m", [Message("user", [TextPart(t)]) for t in texts])

    first = '{"type": "object", "properties": {"a": {"type": "string"}}}'
    second = '{"type": "object", "properties": {"b": {"type": "integer"}}}'
    assert prompt_schema(request(f"use {first} please")) == {"type": "object", "properties": {"a": {"type": "string"}}}
    assert prompt_schema(request(first, f"no, {second}")) is not None
    assert prompt_schema(request(first, f"no, {second}"))["properties"] == {"b": {"type": "integer"}}  # type: ignore[index]
    assert prompt_schema(request("{not json} and {\"x\": 1}")) is None
    # past the bounded number of tries the schema is not looked for
    assert prompt_schema(request("{" * (PROMPT_SCAN_STARTS + 1) + first)) is None
