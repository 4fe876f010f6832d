"""Each dialect reads its own provider's answers back into neutral replies (for `fakellm record`):
fakellm's own rendering, read back, gives the reply it was rendered from, in every dialect."""

from __future__ import annotations

import pytest

from fakellm.context import RequestContext
from fakellm.dialects import all_dialects
from fakellm.dialects.base import Dialect
from fakellm.dialects.gemini import GeminiDialect
from fakellm.dialects.openai import OpenAIDialect
from fakellm.dialects.readback import SseEvent, SseSplitter
from fakellm.errors import ApiError
from fakellm.model import ChatRequest, Message, Reply, TextPart, Tool, ToolCall, Usage
from tests.support.contexts import context_for

REPLY = Reply(text="Paris is sunny today.", tool_calls=[ToolCall("call_1", "get_weather", '{"city":"Paris"}')])


def _ctx(dialect: Dialect, query: dict[str, str] | None = None) -> RequestContext:
    return context_for(dialect, query=query or {}, path_params={"method": "streamGenerateContent"})


def _request(dialect: str, stream: bool) -> ChatRequest:
    messages = [Message("user", [TextPart("weather in Paris?")])]
    return ChatRequest(dialect, "m", messages, tools=[Tool("get_weather")], stream=stream, include_usage=True)


CHAT_DIALECTS = [d for d in all_dialects() if d.streams]  # embeddings have no chat answers to read back


@pytest.mark.parametrize("dialect", CHAT_DIALECTS, ids=lambda d: d.name)
def test_a_rendered_reply_reads_back_to_itself(dialect) -> None:  # type: ignore[no-untyped-def]
    ctx = _ctx(dialect, {"alt": "sse"})
    whole = dialect.parse_response(dialect.render_reply(_request(dialect.name, False), [REPLY], "m", ctx))
    plan = dialect.render_stream(_request(dialect.name, True), [REPLY], "m", ctx)
    splitter = SseSplitter()
    events = splitter.feed(b"".join(f.data for f in plan.frames) + plan.tail) + splitter.close()
    streamed = dialect.parse_stream(events)
    for read in (whole, streamed):
        assert read is not None
        reply = read.replies[0]
        assert (reply.text, reply.tool_calls[0].name, reply.tool_calls[0].arguments) == (
            REPLY.text,
            "get_weather",
            '{"city":"Paris"}',
        )
        assert reply.usage is not None
        assert reply.usage.completion_tokens > 0
        assert read.complete
    assert streamed is not None
    assert streamed.content_events


def test_openai_tool_call_fragments_and_reasoning_are_added_up() -> None:
    chunks = [
        '{"choices":[{"index":0,"delta":{"role":"assistant","reasoning_content":"Let me see"}}]}',
        '{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_a","type":"function",'
        '"function":{"name":"f","arguments":""}}]}}]}',
        '{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\\"x\\""}}]}}]}',
        '{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":":1}"}}]}}]}',
        '{"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}',
    ]
    read = OpenAIDialect().parse_stream([SseEvent(c) for c in chunks])
    assert read is not None
    reply = read.replies[0]
    assert reply.reasoning == "Let me see"
    assert reply.reasoning_shown
    assert reply.tool_calls == [ToolCall("call_a", "f", '{"x":1}')]
    assert reply.finish_reason == "tool_calls"
    assert read.content_events == [0, 1, 2, 3]
    assert not OpenAIDialect().parse_stream([SseEvent(chunks[0])]).complete  # type: ignore[union-attr]


def test_gemini_streamed_array_thoughts_and_usage() -> None:
    body = (
        b'[{"candidates": [{"content": {"parts": [{"text": "hmm", "thought": true}], "role": "model"}}]}\n,\r\n'
        b'{"candidates": [{"content": {"parts": [{"text": "Hi"}], "role": "model"}, "finishReason": "MAX_TOKENS"}],'
        b' "usageMetadata": {"promptTokenCount": 3, "candidatesTokenCount": 1, "thoughtsTokenCount": 4}}\n]'
    )
    read = GeminiDialect().parse_response(body)
    assert read is not None
    reply = read.replies[0]
    assert (reply.text, reply.reasoning, reply.finish_reason) == ("Hi", "hmm", "length")
    assert reply.usage == Usage(3, 5, 4)


@pytest.mark.parametrize("dialect", all_dialects(), ids=lambda d: d.name)
def test_each_dialects_error_body_reads_back_its_message(dialect) -> None:  # type: ignore[no-untyped-def]
    error = ApiError(429, "Slow down, please.", code="rate_limit_exceeded")
    read = dialect.parse_error(dialect.render_error(error, _ctx(dialect)).body)
    assert read is not None
    assert read.message == "Slow down, please."
    assert read.code


def test_sse_splitting_handles_crlf_cr_comments_and_event_names() -> None:
    splitter = SseSplitter()
    events = splitter.feed(b": keep-alive\n\nevent: delta\r\ndata: a\r\ndata: b\r\n\r\ndata: c\r\rdata: tail")
    assert events == [SseEvent("a\nb", "delta"), SseEvent("c")]
    assert splitter.close() == [SseEvent("tail")]
