"""`fakellm.tokens`: word-sized stream pieces, token counts consistent with them, and truncation."""

from __future__ import annotations

import pytest

from fakellm.model import ChatRequest, Message, Reply, TextPart, Tool, ToolCall, Usage
from fakellm.tokens import (
    count_tokens,
    interleave,
    prompt_tokens,
    reply_pieces,
    reply_usage,
    split_arguments,
    split_tokens,
    truncate_reply,
)


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("", []),
        ("Hello", ["Hello"]),
        ("Hello world!", ["Hello", " world!"]),
        ("  lead and trail  ", ["  lead", " and", " trail", "  "]),
        ("line\nbreak", ["line", "\nbreak"]),
        ("你好 🙂", ["你好", " 🙂"]),
    ],
)
def test_split_tokens_are_words_with_leading_space(text: str, tokens: list[str]) -> None:
    assert split_tokens(text) == tokens
    assert "".join(tokens) == text


@pytest.mark.parametrize("arguments", ['{"city": "Paris", "days": 3}', "{}", '{"q": "a very long quoted value"}'])
def test_split_arguments_rejoins_exactly(arguments: str) -> None:
    fragments = split_arguments(arguments)
    assert "".join(fragments) == arguments
    assert all(fragments)


def test_split_arguments_cuts_into_several_small_fragments() -> None:
    fragments = split_arguments('{"location": "San Francisco, CA", "unit": "celsius"}')
    assert len(fragments) > 4
    assert max(len(f) for f in fragments) <= 16


def test_split_arguments_of_empty_is_one_empty_fragment() -> None:
    assert split_arguments("") == [""]


def test_count_tokens_matches_split() -> None:
    assert count_tokens("one two three") == 3
    assert count_tokens("") == 0


def request(*texts: str, tools: list[Tool] | None = None) -> ChatRequest:
    messages = [Message(role="user", parts=[TextPart(t)]) for t in texts]
    return ChatRequest(dialect="openai", model="m", messages=messages, tools=tools or [])


def test_prompt_tokens_counts_overheads_words_and_tools() -> None:
    assert prompt_tokens(request("one two")) == 3 + 3 + 2
    assert prompt_tokens(request("a", "b c")) == 3 + (3 + 1) + (3 + 2)
    assert prompt_tokens(request("a", tools=[Tool("get_weather", "Weather now")])) == 3 + 4 + 1 + 2


def test_reply_pieces_order_reasoning_text_tools() -> None:
    reply = Reply(text="Sure thing", reasoning="think hard", tool_calls=[ToolCall("c1", "f", '{"a": 1}')])
    pieces = reply_pieces(reply, 0)
    assert [p.kind for p in pieces[:4]] == ["reasoning", "reasoning", "text", "text"]
    tools = [p for p in pieces if p.kind == "tool"]
    assert "".join(p.text for p in tools) == '{"a": 1}'
    assert [p.first_of_tool for p in tools] == [True] + [False] * (len(tools) - 1)


def test_reply_pieces_whole_tool_calls_is_one_piece_per_call() -> None:
    reply = Reply(tool_calls=[ToolCall("c1", "f", '{"a": 1}'), ToolCall("c2", "g", "{}")])
    pieces = reply_pieces(reply, 2, whole_tool_calls=True)
    assert [(p.choice, p.tool_index, p.text, p.first_of_tool) for p in pieces] == [
        (2, 0, '{"a": 1}', True),
        (2, 1, "{}", True),
    ]


def test_interleave_round_robins_uneven_choices() -> None:
    first = reply_pieces(Reply(text="a b c"), 0)
    second = reply_pieces(Reply(text="x"), 1)
    assert [(p.choice, p.text) for p in interleave([first, second])] == [(0, "a"), (1, "x"), (0, " b"), (0, " c")]


def test_interleave_of_one_choice_is_that_choice() -> None:
    only = reply_pieces(Reply(text="a b"), 0)
    assert interleave([only]) is only


def test_reply_usage_counts_what_the_stream_carries() -> None:
    replies = [Reply(text="one two", reasoning="hmm"), Reply(text="three")]
    usage = reply_usage(request("hi"), replies)
    assert usage.completion_tokens == 2 + 1 + 1
    assert usage.reasoning_tokens == 1
    assert usage.prompt_tokens == prompt_tokens(request("hi"))
    pieces = [p for i, r in enumerate(replies) for p in reply_pieces(r, i)]
    assert usage.completion_tokens == len(pieces)


def test_reply_usage_prefers_the_scenario_override() -> None:
    fixed = Usage(prompt_tokens=100, completion_tokens=7)
    assert reply_usage(request("hi"), [Reply(text="a", usage=fixed)]) is fixed


def test_truncate_reply_cuts_to_max_tokens_with_length() -> None:
    cut = truncate_reply(Reply(text="one two three four"), 2)
    assert cut.text == "one two"
    assert cut.finish_reason == "length"


def test_truncate_reply_keeps_short_replies_and_tool_calls() -> None:
    short = Reply(text="one two")
    assert truncate_reply(short, 2) is short
    tool = Reply(text="a b c", tool_calls=[ToolCall("c", "f", "{}")])
    assert truncate_reply(tool, 1) is tool


@pytest.mark.parametrize("text", ["", " ", "a", "a ", " a", "a  b\n", "\t\u00a0x\u3000y \x1c", "  \n  "])
def test_count_tokens_equals_the_number_of_split_tokens(text: str) -> None:
    assert count_tokens(text) == len(split_tokens(text))
