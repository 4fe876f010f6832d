"""Capturing an answer as it arrives: SSE split across reads, compressed bodies, the times noted."""

from __future__ import annotations

import gzip

from fakellm.dialects.gemini import GeminiDialect
from fakellm.dialects.openai import OpenAIDialect
from fakellm.model import ChatRequest, Message, TextPart
from fakellm.record.capture import Capture
from tests.support.captured import GEMINI_SSE, OPENAI_STREAM

REQUEST = ChatRequest("openai", "m", [Message("user", [TextPart("hi")])], stream=True)


def test_events_split_anywhere_are_read_whole_with_the_time_they_completed() -> None:
    capture = Capture(started=100.0)
    capture.response(200, {"content-type": "text/event-stream; charset=utf-8"})
    body = OPENAI_STREAM.body
    for offset, at in ((0, 100.2), (700, 100.3), (len(body) - 3, 100.5)):
        end = {0: 700, 700: len(body) - 3}.get(offset, len(body))
        capture.data(body[offset:end], at)
    capture.end(100.6)
    rule = capture.rule(OpenAIDialect(), REQUEST, "1")
    assert rule is not None
    assert rule["replies"][0]["text"] == "Hello there"
    assert rule["timing"]["ttft_ms"] == rule["timing"]["chunk_offsets_ms"][0]
    assert rule["timing"]["chunk_offsets_ms"] == sorted(rule["timing"]["chunk_offsets_ms"])


def test_crlf_events_and_a_gzipped_body_are_read() -> None:
    capture = Capture(started=0.0)
    capture.response(200, {"content-type": "text/event-stream", "content-encoding": "gzip"})
    packed = gzip.compress(GEMINI_SSE.body)
    capture.data(packed[:10], 0.1)
    capture.data(packed[10:], 0.2)
    capture.end(0.3)
    rule = capture.rule(GeminiDialect(), REQUEST, "1")
    assert rule is not None
    assert rule["replies"][0]["text"].endswith("**Italian:** Ciao")


def test_a_hang_up_before_the_end_is_noted_and_one_after_it_is_not() -> None:
    early = Capture(started=0.0)
    early.response(200, {"content-type": "text/event-stream"})
    early.data(OPENAI_STREAM.pieces[0] + OPENAI_STREAM.pieces[1], 0.1)
    early.hang_up(0.15)
    rule = early.rule(OpenAIDialect(), REQUEST, "1")
    assert rule is not None
    assert rule["timing"]["hung_up_ms"] == 150.0
    assert "hung up" in rule["name"]
    late = Capture(started=0.0)
    late.response(200, {"content-type": "text/event-stream"})
    late.data(OPENAI_STREAM.body, 0.1)
    late.hang_up(0.15)
    rule = late.rule(OpenAIDialect(), REQUEST, "1")
    assert rule is not None
    assert "hung_up_ms" not in rule["timing"]


def test_a_body_past_the_bound_is_not_recorded() -> None:
    capture = Capture(started=0.0, max_bytes=100)
    capture.response(200, {"content-type": "application/json"})
    capture.data(b"x" * 101, 0.1)
    capture.end(0.2)
    assert capture.rule(OpenAIDialect(), REQUEST, "1") is None
