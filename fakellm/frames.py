"""A response on its way out, in no provider's terms: the frames, the stream script, the delivery.

A dialect frames a response as a `StreamPlan` (a non-streaming reply is a plan of one whole frame),
following a `StreamScript` (the stream faults: where it ends early and how); the fault stage turns
the script into a `Delivery` (when each frame goes out, how the stream ends), and the transport
sends the plan on that schedule.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from fakellm.errors import ApiError

StreamEnd = Literal["complete", "drop", "stall"]
ScriptEnd = Literal["complete", "error", "drop", "stall"]


@dataclass(slots=True)
class Frame:
    data: bytes
    tokens: int = 0  # completion tokens this frame carries; 0 for role, finish and usage frames


def content_cut(frames: Sequence[Frame], count: int) -> int:
    """How many leading frames to keep so that `count` content frames go out: up to and including
    the count-th content frame (all of them if there are fewer); for 0, the frames before the first."""
    keep = min(1, len(frames))
    seen = 0
    for index, frame in enumerate(frames):
        if frame.tokens > 0:
            if seen == count:
                return index
            seen += 1
            keep = index + 1
    return keep


@dataclass(slots=True)
class StreamPlan:
    media_type: str
    frames: list[Frame]
    tail: bytes = b""  # the terminator (`data: [DONE]\n\n`, a closing `]`), or nothing
    headers: dict[str, str] = field(default_factory=dict)
    whole: bool = False  # one complete body (a non-streaming reply): sent at once, with its length
    # After `end_after`: how many rendered frames go out, and the rendered frames cut off. The schedule
    # is worked out on the stream as rendered, so a cut changes neither the timing nor the jitter drawn.
    kept: int | None = None
    cut_off: tuple[Frame, ...] = ()

    @property
    def content_frames(self) -> int:
        return sum(1 for f in self.frames if f.tokens)

    @property
    def rendered(self) -> list[Frame]:
        """The frames as the dialect rendered them, before any cut (without an appended error event)."""
        return self.frames if self.kept is None else [*self.frames[: self.kept], *self.cut_off]

    def end_after(self, count: int, event: bytes | None = None) -> None:
        """End the stream after `count` content frames (`content_cut`), then send `event` if given."""
        keep = content_cut(self.frames, count)
        self.kept, self.cut_off = keep, tuple(self.frames[keep:])
        del self.frames[keep:]
        if event is not None:
            self.frames.append(Frame(event))


def content_frame_index(frames: Sequence[Frame], at: int) -> int | None:
    """The position in `frames` of content frame `at` (0-based), or None when there are fewer."""
    seen = -1
    for index, frame in enumerate(frames):
        if frame.tokens > 0:
            seen += 1
            if seen == at:
                return index
    return None


@dataclass(frozen=True, slots=True)
class StreamScript:
    """What happens to a stream, as content pieces and events: the fault stage writes it from the
    settings, the dialect frames it (`Dialect.frame_stream`), the fault stage schedules the frames.

    `cut_after` content pieces go out, then the `ending`: `error` (the dialect's error event for
    `error`, then the usual terminator), `drop` (the connection closes) or `stall` (silence until the
    client leaves or `stall_cap` seconds pass, then a drop). `pause_s` holds content piece `pause_at`
    and everything after it back."""

    cut_after: int | None = None
    ending: ScriptEnd = "complete"
    error: ApiError | None = None
    stall_cap: float = 300.0
    pause_at: int | None = None
    pause_s: float = 0.0


PLAIN = StreamScript()


@dataclass(frozen=True, slots=True)
class Delivery:
    """How a framed response is sent. `offsets[i]` is when frame i goes out, in seconds after the
    request arrived; None sends everything at once."""

    headers: dict[str, str] = field(default_factory=dict)
    offsets: list[float] | None = None
    end: StreamEnd = "complete"
    stall_cap: float = 300.0
    fault: str | None = None  # what was injected, for the journal


AT_ONCE = Delivery()  # shared: nobody changes a delivery once it is made
