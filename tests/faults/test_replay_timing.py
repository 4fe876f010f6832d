"""A recorded timing replayed by the fault stage: first content at the recorded TTFT, the rest spread
over the recorded chunks however the replaying dialect frames the text, scaled by --replay-speed."""

from __future__ import annotations

import asyncio

import pytest

from fakellm.dialects.openai import OpenAIDialect
from fakellm.faults import FaultStage
from fakellm.faults.latency import recorded_offsets
from fakellm.faults.plan import NO_FAULTS
from fakellm.faults.spec import FaultSpec, TimingSpec
from fakellm.frames import Frame, StreamPlan
from fakellm.model import ChatRequest, Message, Reply, TextPart
from tests.support.contexts import context_for

TIMING = TimingSpec(ttft_ms=300, chunk_offsets_ms=[300, 400, 600])


def _frames(contents: int) -> list[Frame]:
    return [Frame(b"role"), *(Frame(b"x", 1) for _ in range(contents)), Frame(b"finish"), Frame(b"usage")]


@pytest.mark.parametrize("contents", [1, 2, 3, 5, 9])
def test_first_content_at_the_recorded_ttft_and_last_at_the_last_chunk(contents: int) -> None:
    offsets = recorded_offsets(_frames(contents), TIMING, 1.0)
    assert len(offsets) == contents + 3
    assert offsets[0] == offsets[1] == pytest.approx(0.3)
    assert offsets == sorted(offsets)
    assert offsets[-1] == pytest.approx(0.6 if contents > 1 else 0.3)


def test_replay_speed_scales_every_offset() -> None:
    normal = recorded_offsets(_frames(4), TIMING, 1.0)
    assert recorded_offsets(_frames(4), TIMING, 2.0) == pytest.approx([o / 2 for o in normal])
    assert recorded_offsets(_frames(4), TIMING, 0.5) == pytest.approx([o * 2 for o in normal])


def _request(stream: bool) -> ChatRequest:
    return ChatRequest("openai", "m", [Message("user", [TextPart("hi")])], stream=stream)


def test_the_stage_plays_the_recording_over_any_latency_and_speed_zero_is_instant() -> None:
    spec = FaultSpec.model_validate({"latency": {"ttft_ms": 5000}, "timing": {"ttft_ms": 250}})
    ctx = context_for(OpenAIDialect())
    whole = asyncio.run(FaultStage(replay_speed=2).plan(ctx, _request(False), [Reply("hi")], "m", spec, "s"))
    assert whole.delay == pytest.approx(0.125)
    streamed = asyncio.run(FaultStage().plan(ctx, _request(True), [Reply("hi")], "m", spec, "s"))
    delivery = streamed.deliver(StreamPlan("text/event-stream", _frames(2)))
    assert delivery.offsets is not None
    assert delivery.offsets[1] == pytest.approx(0.25)
    assert asyncio.run(FaultStage(replay_speed=0).plan(ctx, _request(True), [Reply("hi")], "m", spec, "s")) is NO_FAULTS


def test_a_recording_cut_off_by_a_hang_up_replays_what_came_then_stalls() -> None:
    spec = FaultSpec.model_validate({"timing": {"ttft_ms": 100, "chunk_offsets_ms": [100, 150], "hung_up_ms": 160}})
    plan = asyncio.run(FaultStage().plan(context_for(OpenAIDialect()), _request(True), [Reply("hi")], "m", spec, "s"))
    framed = StreamPlan("text/event-stream", _frames(2), b"data: [DONE]\n\n")
    framed.end_after(plan.script.cut_after or 0)
    delivery = plan.deliver(framed)
    assert [f.data for f in framed.frames] == [b"role", b"x", b"x"]  # no finish, no usage
    assert delivery.end == "stall"
    assert delivery.fault == "recording_ends"


def test_error_after_end_sends_all_the_content_then_the_error_instead_of_the_ending() -> None:
    from fakellm.faults.plan import stream_script
    from fakellm.faults.spec import StreamFaultSpec

    script, names = stream_script(StreamFaultSpec(error_after="end", error_message="boom"))
    framed = StreamPlan("text/event-stream", _frames(3), b"data: [DONE]\n\n")
    framed.end_after(script.cut_after or 0, b"error-event")
    assert [f.data for f in framed.frames] == [b"role", b"x", b"x", b"x", b"error-event"]
    assert script.ending == "error"
    assert names == "midstream_error"
