"""Turning a recorded exchange into a rule: what it matches on, what its reply and error hold."""

from __future__ import annotations

from fakellm.dialects.readback import ErrorText
from fakellm.model import ChatRequest, Message, Reply, TextPart, Tool, ToolCall, Usage
from fakellm.record.rules import error_rule, literal, reply_rule, reply_spec, request_match
from fakellm.scenarios.format import Rule
from fakellm.scenarios.templates import Template


def _user(text: str) -> Message:
    return Message("user", [TextPart(text)])


def test_match_keys_are_the_last_user_message_the_turn_and_the_tool_answered() -> None:
    plain = ChatRequest("openai", "gpt-4o", [Message("system", [TextPart("Today is 2026-12-06")]), _user("hi")])
    assert request_match(plain) == {"user": {"equals": "hi"}, "turn": 1}  # no model, dialect or system prompt
    call = ToolCall("call_1", "get_weather", "{}")
    after = ChatRequest(
        "groq",
        "llama",
        [
            _user("a"),
            _user("weather?"),
            Message("assistant", tool_calls=[call]),
            Message("tool", [TextPart("sun")], tool_call_id="call_1"),
        ],
        tools=[Tool("get_weather")],
    )
    assert request_match(after) == {"user": {"equals": "weather?"}, "turn": 2, "tool_result_of": "get_weather"}
    before = ChatRequest("openai", "m", [_user("weather?")], tools=[Tool("get_weather")])
    assert request_match(before)["after_tool"] is False


def test_reasoning_is_kept_literally_though_it_is_a_template() -> None:
    text = 'maybe {{ user }} or {{ "x" }}'
    assert Template(literal(text)).render({"user": "NO"}) == text


def test_a_reply_keeps_text_calls_finish_and_usage_and_validates() -> None:
    reply = Reply(
        text="Partial",
        reasoning="think",
        tool_calls=[ToolCall("call_9", "f", '{"a":1}'), ToolCall("", "g", '{"cut')],
        finish_reason="length",
        usage=Usage(10, 5, 2),
    )
    spec = reply_spec(reply)
    assert spec["tool_calls"] == [
        {"name": "f", "arguments": '{"a":1}', "id": "call_9"},
        {"name": "g", "arguments": "{}"},
    ]
    assert spec["finish_reason"] == "length"
    assert spec["usage"] == {"prompt_tokens": 10, "completion_tokens": 5, "reasoning_tokens": 2}
    request = ChatRequest("openai", "m", [_user("go")])
    Rule.model_validate(reply_rule("1: openai m", request, reply, {"ttft_ms": 12.5, "chunk_offsets_ms": [12.5, 20]}))


def test_an_error_rule_keeps_status_message_code_and_retry_headers() -> None:
    request = ChatRequest("openai", "m", [_user("go")])
    headers = {"retry-after": "2", "retry-after-ms": "1500", "x-should-retry": "true"}
    rule = error_rule("2: openai m", request, 429, ErrorText("Slow down", "rate_limit_exceeded"), headers)
    assert rule["error"] == {
        "status": 429,
        "message": "Slow down",
        "code": "rate_limit_exceeded",
        "retry_after": 2.0,
        "retry_after_ms": 1500.0,
        "should_retry": True,
    }
    dated = error_rule("3", request, 503, None, {"retry-after": "Wed, 21 Oct 2026 07:28:00 GMT"})
    assert dated["error"] == {"status": 503}
    Rule.model_validate(rule)
