"""The SSE reader behind `fakellm check`: line endings, events split across reads, the unterminated tail."""

from __future__ import annotations

from fakellm.check.sse import SseReader


def test_events_split_across_reads_come_out_whole() -> None:
    reader = SseReader()
    assert reader.feed(b'data: {"a"', 0.1) == []
    events = reader.feed(b": 1}\n\ndata: [DONE]\n\n", 0.2)
    assert [event.data for event in events] == ['{"a": 1}', "[DONE]"]
    assert [event.number for event in events] == [1, 2]
    assert events[0].at == 0.2


def test_crlf_split_between_reads_is_one_line_end() -> None:
    reader = SseReader()
    assert reader.feed(b"data: x\r", 0.0) == []
    events = reader.feed(b"\n\r\n", 0.0)
    assert [event.lines for event in events] == [["data: x"]]
    assert reader.crlf


def test_several_data_lines_join_with_lf_and_comments_are_not_fields() -> None:
    reader = SseReader()
    (event,) = reader.feed(b": note\ndata: a\ndata:b\nevent: e\n\n", 0.0)
    assert event.data == "a\nb"
    assert event.field_names() == {"data", "event"}


def test_body_ending_inside_an_event_leaves_an_unterminated_tail() -> None:
    reader = SseReader()
    assert reader.feed(b"data: [DONE]\n", 0.0) == []
    tail = reader.finish(0.5)
    assert tail is not None
    assert not tail.terminated
    assert tail.data == "[DONE]"
    assert SseReader().finish(0.0) is None
