"""A framed stream, ready to send: the frames a dialect rendered, and the terminator.

Faults reshape a `StreamPlan` (cut it short, add an error frame, break framing)
and the transport sends it on the schedule the latency plan gives.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(slots=True)
class Frame:
    data: bytes
    tokens: int = 0  # completion tokens this frame carries; 0 for role, finish and usage frames


@dataclass(slots=True)
class StreamPlan:
    media_type: str
    frames: list[Frame]
    tail: bytes = b""  # the terminator (`data: [DONE]\n\n`, a closing `]`), or nothing
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def content_frames(self) -> int:
        return sum(1 for f in self.frames if f.tokens)


def content_frame_index(frames: Sequence[Frame], at: int) -> int | None:
    """The position in `frames` of content frame `at` (0-based), or None when there are fewer."""
    seen = -1
    for index, frame in enumerate(frames):
        if frame.tokens > 0:
            seen += 1
            if seen == at:
                return index
    return None
