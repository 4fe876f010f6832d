"""Cutting a reply into stream pieces, and counting tokens consistently with them.

A "token" here is word-sized: a run of non-space characters with the spaces
before it (`"Hello"`, `" world!"`). Usage counts are the number of pieces, so
what a client counts in the stream is what the usage block reports.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Literal

from fakellm.model import ChatRequest, Reply, Usage

_TOKEN = re.compile(r"\s*\S+|\s+")
# Arguments of a streamed tool call are cut smaller, as providers do.
_ARG_FRAGMENT = re.compile(r'\s*"[^"]{0,12}"?|\s*[^"]{1,8}')

PER_MESSAGE_OVERHEAD = 3
PER_REQUEST_OVERHEAD = 3


def split_tokens(text: str) -> list[str]:
    """Word-sized tokens whose concatenation is exactly `text`."""
    if not text:
        return []
    return _TOKEN.findall(text)


def split_arguments(arguments: str) -> list[str]:
    """Fragments of a tool call's JSON arguments whose concatenation is exactly `arguments`."""
    if not arguments:
        return [""]
    return _ARG_FRAGMENT.findall(arguments)


def count_tokens(text: str) -> int:
    """`len(split_tokens(text))`, without building the list: one token per run of non-space
    characters, plus one for trailing whitespace (or for a text that is only whitespace)."""
    return len(text.split()) + (1 if text and text[-1].isspace() else 0)


def prompt_tokens(request: ChatRequest) -> int:
    total = PER_REQUEST_OVERHEAD
    for message in request.messages:
        total += PER_MESSAGE_OVERHEAD + count_tokens(message.text)
        for call in message.tool_calls:
            total += count_tokens(call.name) + len(split_arguments(call.arguments))
    for tool in request.tools:
        total += count_tokens(tool.name) + count_tokens(tool.description)
    return total


@dataclass(slots=True)
class Piece:
    """One streamable unit of a choice: a reasoning token, a text token, or a tool-call fragment."""

    choice: int
    kind: Literal["reasoning", "text", "tool"]
    text: str
    tool_index: int = 0
    first_of_tool: bool = False


def reply_pieces(reply: Reply, choice: int, *, whole_tool_calls: bool = False) -> list[Piece]:
    """The pieces of one choice in stream order: reasoning, text, then tool calls."""
    pieces = [Piece(choice, "reasoning", t) for t in split_tokens(reply.reasoning)]
    pieces += [Piece(choice, "text", t) for t in split_tokens(reply.text)]
    for index, call in enumerate(reply.tool_calls):
        fragments = [call.arguments] if whole_tool_calls else split_arguments(call.arguments)
        for position, fragment in enumerate(fragments):
            pieces.append(Piece(choice, "tool", fragment, tool_index=index, first_of_tool=position == 0))
    return pieces


def interleave(per_choice: list[list[Piece]]) -> list[Piece]:
    """Round-robin the pieces of several choices, as providers interleave `n > 1` streams."""
    if len(per_choice) == 1:
        return per_choice[0]
    out: list[Piece] = []
    longest = max((len(p) for p in per_choice), default=0)
    for i in range(longest):
        for pieces in per_choice:
            if i < len(pieces):
                out.append(pieces[i])
    return out


def reply_usage(request: ChatRequest, replies: list[Reply]) -> Usage:
    """Usage for a whole answer: the scenario's override, else counted from the pieces."""
    for reply in replies:
        if reply.usage is not None:
            return reply.usage
    completion = 0
    reasoning = 0
    for reply in replies:
        if reply.reasoning:
            reasoning += count_tokens(reply.reasoning)
        completion += count_tokens(reply.text)
        for call in reply.tool_calls:
            completion += len(split_arguments(call.arguments))
    return Usage(prompt_tokens(request), completion + reasoning, reasoning)


def truncate_reply(reply: Reply, max_tokens: int) -> Reply:
    """Cut a reply's visible text to `max_tokens` word tokens, finishing with `length` as providers do."""
    tokens = split_tokens(reply.text)
    if len(tokens) <= max_tokens or reply.tool_calls:
        return reply
    # The other fields (reasoning, usage, the notes of how the reply was made to obey) carry over.
    return dataclasses.replace(
        reply,
        text="".join(tokens[:max_tokens]),
        finish_reason="length",
        stop_sequence=None,
        adjustments=[*reply.adjustments, f"max_tokens {max_tokens}: the text was cut"],
    )
