"""The reply text each frame carries, worked out without knowing any provider's JSON."""

from __future__ import annotations

import json

from fakellm.dialects.gemini import GeminiDialect
from fakellm.dialects.groq import GroqDialect
from fakellm.dialects.openai import OpenAIDialect
from fakellm.frames import PLAIN
from fakellm.model import ChatRequest, Message, Reply, ToolCall
from fakellm.server.live import frame_texts
from tests.support.contexts import context_for


def _request(dialect: str, **fields: object) -> ChatRequest:
    return ChatRequest(dialect=dialect, model="m", messages=[Message("user", "hi")], **{"stream": True, **fields})  # type: ignore[arg-type]


def _openai_text(frame: bytes) -> str:
    """What the frame really carries, read as the SDK would (to check `frame_texts` against)."""
    line = frame.decode().removeprefix("data: ").strip()
    if not line.startswith("{"):
        return ""
    choices = json.loads(line).get("choices") or [{}]
    return choices[0].get("delta", {}).get("content") or ""


def test_openai_frames_carry_their_pieces():
    dialect = OpenAIDialect()
    replies = [Reply(text="one two three")]
    request = _request("openai")
    plan = dialect.frame_stream(request, replies, "m", context_for(dialect), PLAIN)
    texts = frame_texts(plan, replies)
    assert texts == [_openai_text(f.data) for f in plan.frames]
    assert "".join(texts) == "one two three"


def test_hidden_reasoning_and_tool_calls_are_not_counted_as_the_answer():
    dialect = OpenAIDialect()
    replies = [Reply(text="the answer", reasoning="let me think", tool_calls=[ToolCall("c1", "f", '{"a": 1}')])]
    plan = dialect.frame_stream(_request("openai"), replies, "m", context_for(dialect), PLAIN)
    texts = frame_texts(plan, replies)
    assert "".join(texts) == "the answer"
    assert texts == [_openai_text(f.data) for f in plan.frames]


def test_shown_reasoning_stays_out_of_the_answer_text():
    dialect = GroqDialect()  # Groq shows reasoning (in <think> tags, or its own field): the answer is the text
    replies = [Reply(text="the answer", reasoning="let me think")]
    plan = dialect.frame_stream(_request("groq"), replies, "m", context_for(dialect), PLAIN)
    texts = frame_texts(plan, replies)
    assert "".join(texts) == "the answer"
    carriers = [f.data.decode() for f, text in zip(plan.frames, texts, strict=True) if text]
    assert len(carriers) == 2
    assert 'the"' in carriers[0]
    assert '" answer"' in carriers[1]


def test_gemini_frames_and_a_whole_reply():
    dialect = GeminiDialect()
    replies = [Reply(text="alpha beta")]
    request = _request("gemini")
    ctx = context_for(dialect, query={"alt": "sse"})
    plan = dialect.frame_stream(request, replies, "m", ctx, PLAIN)
    assert "".join(frame_texts(plan, replies)) == "alpha beta"
    whole = dialect.frame_reply(_request("gemini", stream=False), replies, "m", ctx)
    assert frame_texts(whole, replies) == ["alpha beta"]


def test_a_cut_stream_only_has_the_text_sent():
    dialect = OpenAIDialect()
    replies = [Reply(text="one two three four")]
    plan = dialect.frame_stream(_request("openai"), replies, "m", context_for(dialect), PLAIN)
    plan.end_after(2)
    assert "".join(frame_texts(plan, replies)) == "one two"
