"""Building a neutral Reply from a reply spec: each kind of text, tool calls, reasoning, overrides."""

from __future__ import annotations

import json
import re

import pytest

from fakellm.context import RequestContext
from fakellm.dialects.openai import OpenAIDialect
from fakellm.errors import ApiError
from fakellm.model import ChatRequest, Message, TextPart, Tool
from fakellm.scenarios.format import ReplySpec
from fakellm.scenarios.generate import Generator
from fakellm.scenarios.replies import build_reply
from fakellm.scenarios.variables import ReplyEnv

WEATHER = Tool(
    "get_weather",
    parameters={
        "type": "object",
        "properties": {"city": {"type": "string"}, "unit": {"type": "string", "enum": ["c", "f"]}},
        "required": ["city", "unit"],
    },
)


def env(text="What's up?", tools=(), captures=None, seed=None, headers=None):
    request = ChatRequest("openai", "gpt-4o", [Message("user", [TextPart(text)])], tools=list(tools))
    ctx = RequestContext(OpenAIDialect(), "POST", "/v1/chat/completions", "chat", headers or {}, {})
    return ReplyEnv(request, ctx, captures or {}, Generator(seed), scenario="demo", rule="rule 1")


def build(spec, **kw):
    return build_reply(ReplySpec.model_validate(spec), env(**kw))


def test_fixed_text_is_sent_as_written():
    assert build({"text": "Hi {{ user }}"}).text == "Hi {{ user }}"


def test_echo_sends_the_last_user_message():
    assert build({"echo": True}, text="Repeat with me: x").text == "Repeat with me: x"


def test_a_template_fills_user_model_captures_and_headers():
    reply = build(
        {"template": "{{ user }}|{{ model }}|{{ capture.1 }}|{{ header.x-a }}|{{ scenario }}/{{ rule }}"},
        captures={"1": "cap"},
        headers={"x-a": "b"},
    )
    assert reply.text == "What's up?|gpt-4o|cap|b|demo/rule 1"


def test_generated_text_follows_the_seed():
    first = build({"generate": {"sentences": 2}}, seed=11).text
    assert first == build({"generate": {"sentences": 2}}, seed=11).text
    assert first != build({"generate": {"sentences": 2}}, seed=12).text


def test_reasoning_is_a_template():
    reply = build({"reasoning": "Thinking about {{ user }}", "text": "ok"})
    assert reply.reasoning == "Thinking about What's up?"
    assert reply.text == "ok"


def test_a_named_tool_call_with_arguments_sends_them_as_a_json_object_string():
    reply = build(
        {"tool_calls": [{"name": "get_weather", "arguments": {"city": "{{ capture.city }}"}}]},
        captures={"city": "Oslo"},
    )
    call = reply.tool_calls[0]
    assert call.name == "get_weather"
    assert json.loads(call.arguments) == {"city": "Oslo"}
    assert re.fullmatch(r"call_[A-Za-z0-9]{24}", call.id)
    assert reply.resolved_finish_reason == "tool_calls"


def test_arguments_given_as_json_text_are_kept():
    reply = build({"tool_calls": [{"name": "f", "arguments": '{"a": 1}'}]})
    assert reply.tool_calls[0].arguments == '{"a": 1}'


def test_a_tool_call_without_a_name_calls_the_first_offered_tool_with_generated_arguments():
    call = build({"tool_calls": [{}]}, tools=[WEATHER, Tool("other")]).tool_calls[0]
    assert call.name == "get_weather"
    args = json.loads(call.arguments)
    assert set(args) == {"city", "unit"}
    assert args["unit"] in ("c", "f")


def test_seeded_tool_calls_are_reproducible():
    first = build({"tool_calls": [{}]}, tools=[WEATHER], seed=4).tool_calls[0]
    again = build({"tool_calls": [{}]}, tools=[WEATHER], seed=4).tool_calls[0]
    assert (first.id, first.arguments) == (again.id, again.arguments)


def test_calling_the_first_tool_when_none_is_offered_is_a_400():
    with pytest.raises(ApiError) as caught:
        build({"tool_calls": [{}]})
    assert caught.value.status == 400
    assert "offers no tools" in (caught.value.message or "")


def test_finish_reason_override():
    assert build({"text": "cut", "finish_reason": "length"}).resolved_finish_reason == "length"


def test_usage_override_keeps_counted_values_for_fields_left_out():
    reply = build({"text": "one two three", "usage": {"completion_tokens": 99}})
    assert reply.usage is not None
    assert reply.usage.completion_tokens == 99
    assert reply.usage.prompt_tokens > 0
    assert reply.usage.reasoning_tokens == 0
