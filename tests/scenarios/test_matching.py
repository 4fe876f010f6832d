"""Every match condition, and how conditions combine (all / any / not) and yield captures."""

from __future__ import annotations

import pytest

from fakellm.context import RequestContext
from fakellm.dialects.openai import OpenAIDialect
from fakellm.model import ChatRequest, Message, TextPart, Tool, ToolCall
from fakellm.scenarios.format import Match, TextMatch
from fakellm.scenarios.matching import compile_match, text_matcher


def msg(role, text="", **kw):
    return Message(role=role, parts=[TextPart(text)] if text else [], **kw)


def request(*messages, tools=(), model="gpt-4o", dialect="openai"):
    return ChatRequest(dialect=dialect, model=model, messages=list(messages), tools=list(tools))


def ctx(**headers):
    return RequestContext(OpenAIDialect(), "POST", "/v1/chat/completions", "chat", dict(headers), {})


def check(match, req, context=None):
    return compile_match(Match.model_validate(match))(req, context or ctx())


HELLO = request(msg("system", "You are terse."), msg("user", "Hello there"))
WEATHER = Tool("get_weather", parameters={"type": "object"})
AFTER_TOOL = request(
    msg("user", "weather?"),
    msg("assistant", tool_calls=[ToolCall("call_1", "get_weather", "{}")]),
    msg("tool", '{"temp": 21}', tool_call_id="call_1"),
    tools=[WEATHER],
)


@pytest.mark.parametrize(
    ("spec", "text", "matched"),
    [
        ({"equals": "Hello"}, "Hello", True),
        ({"equals": "Hello"}, "hello", False),
        ({"equals": "Hello", "ignore_case": True}, "hELLO", True),
        ({"contains": "ell"}, "Hello", True),
        ({"contains": "ELL"}, "Hello", False),
        ({"contains": "ELL", "ignore_case": True}, "Hello", True),
        ({"regex": "^H.l+o$"}, "Hello", True),
        ({"regex": "^h"}, "Hello", False),
        ({"regex": "^h", "ignore_case": True}, "Hello", True),
    ],
)
def test_text_matches_compare_as_asked(spec, text, matched):
    assert (text_matcher(TextMatch.model_validate(spec))(text) is not None) is matched


def test_regex_captures_are_numbered_and_named():
    found = text_matcher(TextMatch.model_validate({"regex": r"in (?P<city>\w+) on (\w+)"}))("rain in Paris on Monday")
    assert found == {"0": "in Paris on Monday", "1": "Paris", "2": "Monday", "city": "Paris"}


def test_no_match_section_matches_everything():
    assert compile_match(None)(HELLO, ctx()) == {}


def test_user_matches_the_last_user_message():
    req = request(msg("user", "first"), msg("assistant", "ok"), msg("user", "second"))
    assert check({"user": "second"}, req) is not None
    assert check({"user": "first"}, req) is None


def test_system_matches_the_system_prompt():
    assert check({"system": "terse"}, HELLO) is not None
    assert check({"system": "verbose"}, HELLO) is None


def test_model_matches_the_requested_model():
    assert check({"model": {"regex": "^gpt-4"}}, HELLO) is not None
    assert check({"model": {"equals": "gpt-3.5"}}, HELLO) is None


def test_dialect_matches_any_listed():
    assert check({"dialect": ["groq", "openai"]}, HELLO) is not None
    assert check({"dialect": "gemini"}, HELLO) is None


def test_turn_counts_user_messages():
    second = request(msg("user", "a"), msg("assistant", "b"), msg("user", "c"))
    assert check({"turn": 2}, second) is not None
    assert check({"turn": 1}, second) is None
    assert check({"turn": {"min": 2}}, second) is not None
    assert check({"turn": {"max": 1}}, second) is None


def test_has_tools_and_tool_check_the_offered_tools():
    offered = request(msg("user", "x"), tools=[WEATHER])
    assert check({"has_tools": True}, offered) is not None
    assert check({"has_tools": False}, offered) is None
    assert check({"has_tools": False}, HELLO) is not None
    assert check({"tool": "get_weather"}, offered) is not None
    assert check({"tool": "get_time"}, offered) is None


def test_after_tool_checks_the_last_message_is_a_tool_result():
    assert check({"after_tool": True}, AFTER_TOOL) is not None
    assert check({"after_tool": True}, HELLO) is None
    assert check({"after_tool": False}, HELLO) is not None


def test_tool_result_matches_the_result_content():
    assert check({"tool_result": '"temp": 21'}, AFTER_TOOL) is not None
    assert check({"tool_result": "snow"}, AFTER_TOOL) is None
    assert check({"tool_result": "x"}, HELLO) is None


def test_tool_result_of_finds_the_tool_by_call_id():
    assert check({"tool_result_of": "get_weather"}, AFTER_TOOL) is not None
    assert check({"tool_result_of": "get_time"}, AFTER_TOOL) is None


def test_header_matches_case_insensitive_names_and_needs_the_header():
    assert check({"header": {"X-Test-Id": {"equals": "42"}}}, HELLO, ctx(**{"x-test-id": "42"})) is not None
    assert check({"header": {"X-Test-Id": {"equals": "42"}}}, HELLO, ctx(**{"x-test-id": "7"})) is None
    assert check({"header": {"X-Test-Id": "4"}}, HELLO) is None


def test_conditions_side_by_side_must_all_hold():
    assert check({"user": "Hello", "system": "terse"}, HELLO) is not None
    assert check({"user": "Hello", "system": "verbose"}, HELLO) is None


def test_all_any_not_combine():
    assert check({"all": [{"user": "Hello"}, {"model": "gpt"}]}, HELLO) is not None
    assert check({"all": [{"user": "Hello"}, {"model": "claude"}]}, HELLO) is None
    assert check({"any": [{"user": "nope"}, {"model": "gpt"}]}, HELLO) is not None
    assert check({"any": [{"user": "nope"}, {"model": "claude"}]}, HELLO) is None
    assert check({"not": {"user": "Hello"}}, HELLO) is None
    assert check({"not": {"user": "Bye"}}, HELLO) is not None


def test_captures_come_through_all_and_any():
    found = check({"all": [{"user": {"regex": r"(\w+) there"}}], "any": [{"model": {"regex": r"gpt-(\w+)"}}]}, HELLO)
    assert found is not None
    assert found["1"] == "4o"  # the later regex's group 1 wins
    assert check({"user": {"regex": r"(?P<greeting>\w+) there"}}, HELLO) == {
        "0": "Hello there",
        "1": "Hello",
        "greeting": "Hello",
    }


def test_a_group_that_takes_no_part_captures_the_empty_string():
    found = text_matcher(TextMatch.model_validate({"regex": r"^(a)?(?P<rest>b+)(c)?$"}))("bb")
    assert found == {"0": "bb", "1": "", "2": "bb", "3": "", "rest": "bb"}


def test_a_compiled_rule_checks_each_time_and_keeps_no_captures_between_requests():
    matcher = compile_match(Match.model_validate({"user": {"regex": r"^say (\w+)$"}}))
    assert matcher(request(msg("user", "say hi")), ctx()) == {"0": "say hi", "1": "hi"}
    assert matcher(request(msg("user", "nothing")), ctx()) is None
    assert matcher(request(msg("user", "say bye")), ctx()) == {"0": "say bye", "1": "bye"}
