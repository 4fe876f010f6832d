"""Deliberately broken framing: each breakage changes exactly the chosen content frame."""

from __future__ import annotations

import json

import pytest

from fakellm.faults.malformed import (
    WRONG_CONTENT_TYPE,
    break_framing,
    drop_blank_line,
    drop_data_prefix,
    truncate_json,
)
from fakellm.frames import Frame, StreamPlan

EVENT = b'data: {"choices":[{"delta":{"content":"hi"}}]}\n\n'


def test_truncated_json_keeps_the_event_but_not_valid_json() -> None:
    broken = truncate_json(EVENT)
    assert broken.startswith(b"data: {")
    assert broken.endswith(b"\n\n")
    with pytest.raises(json.JSONDecodeError):
        json.loads(broken[len(b"data: ") : -2])


def test_truncated_json_keeps_a_crlf_separator() -> None:
    assert truncate_json(b'data: {"a": 1}\r\n\r\n').endswith(b"\r\n\r\n")


def test_missing_data_prefix_leaves_bare_json() -> None:
    assert drop_data_prefix(EVENT) == EVENT[len(b"data: ") :]


NAMED = b'event: content_block_delta\ndata: {"type":"content_block_delta","index":0}\n\n'


def test_named_events_lose_their_data_field_name_and_keep_the_event_line() -> None:
    assert drop_data_prefix(NAMED) == b'event: content_block_delta\n{"type":"content_block_delta","index":0}\n\n'
    broken = truncate_json(NAMED)
    assert broken.startswith(b"event: content_block_delta\ndata: {")
    assert broken.endswith(b"\n\n")
    with pytest.raises(json.JSONDecodeError):
        json.loads(broken.split(b"data: ", 1)[1][:-2])


def test_missing_blank_line_ends_with_one_line_break() -> None:
    assert drop_blank_line(EVENT) == EVENT[:-1]
    assert drop_blank_line(b"data: {}\r\n\r\n") == b"data: {}\r\n"


def test_break_framing_changes_only_the_chosen_content_frame() -> None:
    plan = StreamPlan("text/event-stream", [Frame(EVENT, 0), Frame(EVENT, 1), Frame(EVENT, 1)], b"data: [DONE]\n\n")
    assert break_framing(plan, "missing_data_prefix", 1) == {}
    assert [f.data for f in plan.frames] == [EVENT, EVENT, drop_data_prefix(EVENT)]


def test_wrong_content_type_is_a_header_not_a_frame_change() -> None:
    plan = StreamPlan("text/event-stream", [Frame(EVENT, 1)])
    assert break_framing(plan, "wrong_content_type", 0) == {"content-type": WRONG_CONTENT_TYPE}
    assert plan.frames[0].data == EVENT


def test_scenario_files_accept_exactly_the_breakages_there_are() -> None:
    from typing import get_args

    from fakellm.faults.malformed import Breakage
    from fakellm.faults.spec import StreamFaultSpec

    schema = StreamFaultSpec.model_json_schema()["properties"]["malformed"]
    accepted = next(option["enum"] for option in schema["anyOf"] if "enum" in option)
    assert accepted == list(get_args(Breakage))
    plan = StreamPlan("text/event-stream", [Frame(EVENT, 1)])
    for kind in get_args(Breakage):  # each one does something
        headers = break_framing(plan, kind, 0)
        assert (plan.frames[0].data, headers) != (EVENT, {}), kind
        plan.frames[0].data = EVENT
