"""OpenAI's hand-written templates (`dialects/openai/fast.py`) write, byte for byte, what the general
builder and encoder write for OpenAI's policy: every kind of chunk, whole streams and whole bodies.

The reference is `ChunkWriter(OPENAI, …, compiled=False)`: each chunk built as a structure with its
values and encoded whole by the general encoder (`json.dumps`' output). Both sides draw their ids
from identically seeded sources, in the same order, and the clock is frozen.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest

from fakellm.dialects.openai import OpenAIDialect
from fakellm.dialects.openai.chunks import completion, message
from fakellm.dialects.openai.fast import OpenAIChunkWriter, message_json, reply_body
from fakellm.dialects.openai.policy import HIDDEN, OPENAI, REASONING_CONTENT, Reasoning, shown_reasoning
from fakellm.dialects.openai.request import NOT_OBFUSCATED, OBFUSCATED
from fakellm.dialects.openai.stream import stream_frames
from fakellm.dialects.openai.writer import ChunkWriter
from fakellm.ids import IdSource
from fakellm.model import ChatRequest, Message, Reply, TextPart, ToolCall, Usage
from fakellm.tokens import reply_usage
from tests.support.contexts import context_for

MODEL = 'gpt-4o-mini "quoted" é'
TEXTS = ["", "plain", " spaced", 'quote " and \\ back', "line\nbreak\ttab\x01", "é ü 日本 😀", "\u2028", "50% off"]
CALL = ToolCall("call_abc", "get_weather", '{"city": "Paris", "unit": "c"}')
ODD_CALL = ToolCall('call_"x"', "naïve/tool", '{"q": "a\\"b"}')
MARKED = Reasoning(mark={"google": {"thought": True}})


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(time, "time", lambda: 1_765_000_000.0)


def writers(*, null_usage: bool, obfuscation: bool) -> tuple[ChunkWriter, ChunkWriter]:
    """The hand-written writer and the reference, from identically seeded id sources."""
    fast = OpenAIChunkWriter(IdSource(3), MODEL, null_usage=null_usage, obfuscation=obfuscation)
    general = ChunkWriter(OPENAI, IdSource(3), MODEL, null_usage=null_usage, obfuscation=obfuscation, compiled=False)
    return fast, general


CHUNKS: dict[str, Callable[[ChunkWriter], bytes]] = {
    "role": lambda w: w.role(0, ""),
    "role-null-content": lambda w: w.role(1, None),
    **{f"text-{i}": (lambda w, t=t: w.text(0, t)) for i, t in enumerate(TEXTS)},
    "text-second-choice": lambda w: w.text(7, "seven"),
    "text-finishing": lambda w: w.text(0, "last", "stop"),
    "reasoning": lambda w: w.reasoning(0, "thinking…", REASONING_CONTENT),
    "reasoning-escapes": lambda w: w.reasoning(2, 'a "b"\n', REASONING_CONTENT),
    "reasoning-finishing": lambda w: w.reasoning(0, "x", REASONING_CONTENT, "length"),
    "reasoning-marked": lambda w: w.reasoning(0, "x", MARKED),
    "tool-open": lambda w: w.tool_open(0, 0, CALL),
    "tool-open-escapes": lambda w: w.tool_open(1, 3, ODD_CALL),
    "tool-args": lambda w: w.tool_args(0, 0, '{"city": '),
    "tool-args-escapes": lambda w: w.tool_args(1, 2, '"a\\"b'),
    "tool-args-finishing": lambda w: w.tool_args(0, 0, "}", "tool_calls"),
    "tool-whole": lambda w: w.tool_whole(0, 1, CALL),
    "finish-stop": lambda w: w.finish(0, "stop"),
    "finish-tools": lambda w: w.finish(3, "tool_calls"),
    "finish-length": lambda w: w.finish(0, "length"),
    "usage": lambda w: w.usage(Usage(12, 7, 3)),
    "text-last-edge": lambda w: w.text(0, "edge", "stop", "last"),
}


@pytest.mark.parametrize("obfuscation", [True, False], ids=["obfuscation", "no-obfuscation"])
@pytest.mark.parametrize("null_usage", [True, False], ids=["include-usage", "no-usage"])
@pytest.mark.parametrize("kind", sorted(CHUNKS))
def test_every_kind_of_chunk_is_the_general_encoders(kind: str, null_usage: bool, obfuscation: bool) -> None:
    fast, general = writers(null_usage=null_usage, obfuscation=obfuscation)
    write = CHUNKS[kind]
    for _ in range(3):  # the obfuscation pad's length follows the chunk count
        written = write(fast)
        assert written == write(general)
        assert written.startswith(b"data: {")
        assert written.endswith(b"}\n\n")
        json.loads(written[len(b"data: ") :])


def test_the_pins_can_fail() -> None:
    """The comparison sees a one-byte difference: a writer with another model differs."""
    fast = OpenAIChunkWriter(IdSource(3), MODEL, null_usage=False, obfuscation=False)
    other = ChunkWriter(OPENAI, IdSource(3), MODEL + " ", compiled=False)
    assert fast.text(0, "x") != other.text(0, "x")


def test_the_reference_is_plain_json_in_openais_key_order() -> None:
    _, general = writers(null_usage=True, obfuscation=True)
    chunk = json.loads(general.text(0, "hi")[len(b"data: ") :])
    assert list(chunk) == [
        "id",
        "object",
        "created",
        "model",
        "service_tier",
        "system_fingerprint",
        "choices",
        "usage",
        "obfuscation",
    ]
    assert chunk["choices"] == [{"index": 0, "delta": {"content": "hi"}, "logprobs": None, "finish_reason": None}]
    assert chunk["model"] == MODEL
    assert chunk["created"] == 1_765_000_000


# --- whole streams ----------------------------------------------------------------------------------

REPLIES: dict[str, list[Reply]] = {
    "text": [Reply(text="one two three")],
    "empty": [Reply()],
    "n2": [Reply(text="alpha beta"), Reply(text="gamma delta epsilon")],
    "tools": [Reply(tool_calls=[CALL, ODD_CALL])],
    "text-and-tools": [Reply(text="Let me check.", tool_calls=[CALL])],
    "reasoning-shown": [Reply(text="The answer.", reasoning="Some thought here.", reasoning_shown=True)],
    "reasoning-hidden": [Reply(text="The answer.", reasoning="Some thought here.")],
    "reasoning-hidden-tools": [Reply(reasoning="Think.", tool_calls=[CALL])],
    "length": [Reply(text="cut short", finish_reason="length")],
    "n2-mixed": [Reply(text="x y", reasoning="r s", reasoning_shown=True), Reply(tool_calls=[CALL])],
}


def request(include_usage: bool) -> ChatRequest:
    return ChatRequest("openai", "m", [Message("user", [TextPart("hi")])], stream=True, include_usage=include_usage)


def general_stream(replies: list[Reply], include_usage: bool, obfuscation: bool) -> list[bytes]:
    writer = ChunkWriter(OPENAI, IdSource(5), MODEL, null_usage=include_usage, obfuscation=obfuscation, compiled=False)
    reasoning = [shown_reasoning(r) for r in replies]
    return [f.data for f in stream_frames(OPENAI, writer, request(include_usage), replies, reasoning)]


@pytest.mark.parametrize("obfuscation", [True, False], ids=["obfuscation", "no-obfuscation"])
@pytest.mark.parametrize("include_usage", [True, False], ids=["include-usage", "no-usage"])
@pytest.mark.parametrize("case", sorted(REPLIES))
def test_whole_streams_are_the_general_encoders(case: str, include_usage: bool, obfuscation: bool) -> None:
    dialect = OpenAIDialect()
    req = request(include_usage)
    req.options = OBFUSCATED if obfuscation else NOT_OBFUSCATED
    plan = dialect.render_stream(req, REPLIES[case], MODEL, context_for(dialect, ids=IdSource(5)))
    assert [f.data for f in plan.frames] == general_stream(REPLIES[case], include_usage, obfuscation)
    assert plan.tail == b"data: [DONE]\n\n"


# --- whole bodies -----------------------------------------------------------------------------------

BODIES: dict[str, list[Reply]] = {
    **{f"text-{i}": [Reply(text=t)] for i, t in enumerate(TEXTS)},
    **REPLIES,
    "usage-override": [Reply(text="x", usage=Usage(100, 20, 5))],
    "content-filter": [Reply(text="x", finish_reason="content_filter")],
}


@pytest.mark.parametrize("case", sorted(BODIES))
def test_whole_bodies_are_the_general_encoders(case: str) -> None:
    replies = BODIES[case]
    req = request(False)
    general = completion(
        OPENAI, replies, [shown_reasoning(r) for r in replies], reply_usage(req, replies), MODEL, IdSource(9)
    )
    expected = json.dumps(general, separators=(",", ":"), ensure_ascii=False).encode()
    assert reply_body(replies, reply_usage(req, replies), MODEL, IdSource(9)) == expected
    dialect = OpenAIDialect()
    assert dialect.render_reply(req, replies, MODEL, context_for(dialect, ids=IdSource(9))) == expected


@pytest.mark.parametrize("text", TEXTS)
@pytest.mark.parametrize("style", [HIDDEN, REASONING_CONTENT], ids=["hidden", "shown"])
def test_the_plain_text_message_template_is_the_general_encoders(text: str, style: Reasoning) -> None:
    reply = Reply(text=text, reasoning="why" if style is REASONING_CONTENT else "", reasoning_shown=True)
    encoded: Any = json.dumps(message(OPENAI, reply, shown_reasoning(reply)), separators=(",", ":"), ensure_ascii=False)
    assert message_json(reply) == encoded
