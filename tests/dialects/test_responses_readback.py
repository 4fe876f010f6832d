"""The Responses dialects read their provider's answers back (`fakellm record`), and record and
replay through the proxy."""

from __future__ import annotations

import tempfile
from pathlib import Path

import openai

from fakellm import FakeLLM
from fakellm.dialects.readback import SseEvent, SseSplitter
from fakellm.dialects.responses import ResponsesDialect
from fakellm.errors import ApiError
from fakellm.frames import StreamScript
from fakellm.ids import IdSource
from fakellm.model import ChatRequest, Message, Reply, TextPart, ToolCall, Usage
from fakellm.record.upstreams import Upstreams
from fakellm.testing.recorder import Recorder
from tests.support.contexts import context_for

DIALECT = ResponsesDialect()
REPLY = Reply(
    text="It is sunny.",
    reasoning="The user asks about the weather.",
    tool_calls=[ToolCall("call_abc", "get_weather", '{"city":"Paris"}')],
)


def request() -> ChatRequest:
    return ChatRequest("responses", "gpt-4.1", [Message("user", [TextPart("weather?")])], stream=True)


def events_of(body: bytes) -> list[SseEvent]:
    return SseSplitter().feed(body)


def test_a_whole_response_reads_back_as_the_reply_it_was() -> None:
    body = DIALECT.render_reply(request(), [REPLY], "gpt-4.1", context_for(DIALECT, ids=IdSource(1)))
    read = DIALECT.parse_response(body)
    assert read is not None
    (reply,) = read.replies
    assert (reply.text, reply.tool_calls, reply.finish_reason) == (REPLY.text, REPLY.tool_calls, "tool_calls")
    assert isinstance(reply.usage, Usage)
    assert read.model == "gpt-4.1-2025-04-14"
    assert DIALECT.parse_response(b'{"object": "chat.completion"}') is None


def test_a_stream_reads_back_with_its_content_events() -> None:
    plan = DIALECT.render_stream(request(), [REPLY], "gpt-4.1", context_for(DIALECT, ids=IdSource(1)))
    events = events_of(b"".join(f.data for f in plan.frames))
    read = DIALECT.parse_stream(events)
    assert read is not None
    assert read.complete
    assert read.replies[0].text == REPLY.text
    assert read.replies[0].tool_calls == REPLY.tool_calls
    assert [events[i].event for i in read.content_events] == [e.event for e in events if e.event.endswith(".delta")]


def test_a_failed_or_cut_stream_reads_back_with_its_error() -> None:
    for status, code in ((500, "server_error"), (429, "rate_limit_exceeded")):
        error = ApiError(status, "went wrong", code=code if status == 429 else None)
        script = StreamScript(cut_after=2, ending="error", error=error)
        ctx = context_for(DIALECT, ids=IdSource(1))
        plan = DIALECT.frame_stream(request(), [Reply(text="one two three four")], "gpt-4.1", ctx, script)
        read = DIALECT.parse_stream(events_of(b"".join(f.data for f in plan.frames)))
        assert read is not None
        assert not read.complete
        assert read.replies[0].text == "one two"
        assert read.stream_error is not None
        assert read.stream_error.code == code


def test_record_then_replay_through_client_responses() -> None:
    recording = Path(tempfile.mkdtemp()) / "session.yaml"
    with FakeLLM() as upstream, Recorder(Upstreams({"openai": upstream.url}), recording, "session") as proxy:
        client = openai.OpenAI(base_url=proxy.openai_base_url, api_key="sk-test", max_retries=0)
        assert (
            client.responses.create(model="gpt-4.1", input="Repeat with me: kept answer").output_text == "kept answer"
        )
    assert "kept answer" in recording.read_text()
    with FakeLLM([recording], default_scenario="session") as replay:
        client = openai.OpenAI(base_url=replay.openai_base_url, api_key="sk-test", max_retries=0)
        assert (
            client.responses.create(model="gpt-4.1", input="Repeat with me: kept answer").output_text == "kept answer"
        )
