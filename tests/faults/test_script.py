"""Stream faults as a neutral script: every dialect frames it (its own error event included), and the
schedule is the one the stream had as rendered, whatever the script cut off."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from fakellm.dialects import all_dialects
from fakellm.dialects.base import Dialect
from fakellm.errors import ApiError
from fakellm.faults import FaultStage
from fakellm.faults.spec import FaultSpec
from fakellm.frames import PLAIN, StreamScript
from fakellm.ids import IdSource
from fakellm.model import ChatRequest, Message, Reply, TextPart
from tests.support.contexts import context_for

TEXT = "one two three four five six"
REPLIES = [Reply(text=TEXT)]


def request(dialect: Dialect, **extras: Any) -> ChatRequest:
    return ChatRequest(dialect.name, "m", [Message("user", [TextPart(TEXT)])], stream=True, extras=extras)


def dialects() -> list[tuple[Dialect, dict[str, Any]]]:
    found: list[tuple[Dialect, dict[str, Any]]] = [(d, {}) for d in all_dialects() if d.streams]
    found += [(d, {"alt": "sse"}) for d in all_dialects() if d.name == "gemini" and d.streams]
    return found


@pytest.mark.parametrize(("dialect", "extras"), dialects(), ids=lambda v: getattr(v, "name", str(v)))
def test_every_dialect_frames_an_error_script_with_its_own_error(dialect: Dialect, extras: dict[str, Any]) -> None:
    req = request(dialect, **extras)
    error = ApiError(503, "upstream went away", injected=True)
    seeded = context_for(dialect, ids=IdSource(5))  # the same ids for the same renders
    whole = dialect.render_stream(req, REPLIES, "m", seeded)
    script = StreamScript(cut_after=2, ending="error", error=error)
    cut = dialect.frame_stream(req, REPLIES, "m", context_for(dialect, ids=IdSource(5)), script)
    assert cut.content_frames == 2
    kept = cut.kept
    assert kept is not None
    event = dialect.stream_error_frame(error, req, "m", seeded, kept)  # most ignore where the stream stands
    assert [f.data for f in cut.frames] == [f.data for f in whole.frames[:kept]] + [event]
    assert cut.frames[-1].tokens == 0
    # The stream still ends as the provider ends it: with its terminator, or (Groq) the error event alone.
    assert cut.tail == (b"" if dialect.name == "groq" else whole.tail)
    assert [f.data for f in cut.rendered] == [f.data for f in whole.frames]


@pytest.mark.parametrize("ending", ["drop", "stall"])
def test_a_drop_or_stall_script_cuts_without_an_event(ending: Any) -> None:
    dialect = all_dialects()[0]
    ctx = context_for(dialect)
    cut = dialect.frame_stream(request(dialect), REPLIES, "m", ctx, StreamScript(cut_after=3, ending=ending))
    assert cut.content_frames == 3
    assert cut.kept == len(cut.frames)


def test_a_plain_script_is_the_stream_as_rendered() -> None:
    dialect = all_dialects()[0]
    ctx = context_for(dialect)
    framed = dialect.frame_stream(request(dialect), REPLIES, "m", ctx, PLAIN)
    assert (framed.kept, framed.cut_off) == (None, ())
    assert framed.rendered is framed.frames


def test_a_cut_changes_neither_the_times_nor_the_jitter_drawn() -> None:
    dialect = all_dialects()[0]
    latency = {"ttft_ms": 100, "tokens_per_second": 10, "jitter_ms": 30, "distribution": "uniform", "seed": 3}

    def offsets(stream: dict[str, Any] | None) -> list[list[float] | None]:
        """Two requests in a row to one scenario: the first with `stream` faults, the second without."""
        stage = FaultStage()
        found = []
        for faults in ({"latency": latency, "stream": stream}, {"latency": latency}):
            spec = FaultSpec.model_validate({k: v for k, v in faults.items() if v is not None})
            req = request(dialect)
            plan = asyncio.run(stage.plan(context_for(dialect), req, REPLIES, "m", spec, "scenario"))
            framed = dialect.frame_stream(req, REPLIES, "m", context_for(dialect), plan.script)
            found.append(plan.deliver(framed).offsets)
        return found

    (whole, after_whole), (cut, after_cut) = offsets(None), offsets({"error_after": 2})
    assert whole is not None
    assert cut is not None
    keep = len(cut) - 1
    assert cut[:keep] == whole[:keep]
    assert cut[-1] == whole[keep]  # the error event goes when the next frame would have
    assert after_cut == after_whole  # the cut-off frames' jitter was drawn all the same
