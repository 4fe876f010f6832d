"""The timing of a response: time to first token, a steady token rate, and seeded jitter.

Every offset is absolute (seconds after the request arrived), so a late frame
never pushes the ones after it back: the schedule cannot drift.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from fakellm.faults.spec import LatencySpec, TimingSpec
from fakellm.frames import Frame, content_frame_index


class Jitter:
    """Draws the spread added to one delay, in seconds, from the configured distribution."""

    def __init__(self, spec: LatencySpec, rng: random.Random) -> None:
        self.spread = spec.jitter_ms / 1000.0 if spec.distribution != "fixed" else 0.0
        self.normal = spec.distribution == "normal"
        self.rng = rng

    def draw(self) -> float:
        if not self.spread:
            return 0.0
        if self.normal:
            return self.rng.gauss(0.0, self.spread)
        return self.rng.uniform(-self.spread, self.spread)


def is_instant(spec: LatencySpec | None) -> bool:
    """True when the response goes out as soon as it is ready."""
    return spec is None or (spec.ttft_ms == 0 and spec.tokens_per_second is None)


def stream_offsets(frames: Sequence[Frame], spec: LatencySpec, rng: random.Random) -> list[float]:
    """When each frame goes out. The first frame (with the response headers) and the first content
    frame at TTFT; a later content frame when its last token is due, `tokens_per_second` apart; a
    frame without tokens goes with the next frame that has some (trailing ones with the last).
    Jitter moves each content frame on its own, never before the frame ahead of it.

    One pass with no call per frame but the jitter's (none without jitter): it runs before a stream's
    first frame, for every frame of it."""
    jitter = Jitter(spec, rng)
    draw = jitter.draw if jitter.spread else None
    nominal = spec.ttft_ms / 1000.0
    ttft = max(0.0, nominal + (draw() if draw is not None else 0.0))
    rate = spec.tokens_per_second
    offsets: list[float] = []
    append = offsets.append
    waiting = 0  # token-less frames that go out with the next content frame
    tokens = 0  # tokens sent after those of the first content frame
    seen_first = False
    last = ttft
    for index, frame in enumerate(frames):
        count = frame.tokens
        if count <= 0:
            if index > 0:
                waiting += 1
                continue
        elif not seen_first:
            seen_first = True
        else:
            tokens += count
            if rate is not None:
                due = nominal + tokens / rate + (draw() if draw is not None else 0.0)
                if due > last:
                    last = due
        if waiting:
            offsets.extend([last] * (waiting + 1))
            waiting = 0
        else:
            append(last)
    if waiting:
        offsets.extend([last] * waiting)
    return offsets


def generation_delay(tokens: int, spec: LatencySpec | None, rng: random.Random) -> float:
    """How long a non-streaming reply of `tokens` completion tokens takes: TTFT, then the same
    pace a stream of it would have (its last token at TTFT + (tokens - 1) / rate)."""
    if spec is None:
        return 0.0
    jitter = Jitter(spec, rng)
    delay = spec.ttft_ms / 1000.0 + jitter.draw()
    if spec.tokens_per_second is not None and tokens > 1:
        delay += (tokens - 1) / spec.tokens_per_second
    return max(0.0, delay)


def add_pause(offsets: list[float], frames: Sequence[Frame], at: int, seconds: float) -> None:
    """Hold the stream for `seconds` before content frame `at` (0-based): it and all later frames move."""
    start = content_frame_index(frames, at)
    if start is None:
        return
    # Token-less frames just before it (a tool-call opening) belong to it, so they wait too.
    while start > 0 and frames[start - 1].tokens == 0 and offsets[start - 1] == offsets[start]:
        start -= 1
    for index in range(max(start, 1), len(offsets)):
        offsets[index] += seconds


def recorded_offsets(frames: Sequence[Frame], timing: TimingSpec, speed: float) -> list[float]:
    """When each frame goes out to replay a recorded stream `speed` times as fast. The recorded chunks
    and the frames need not be as many (the replaying dialect frames the text its own way): content
    frame j of m goes out at the point j/(m-1) of the way through the recorded content chunks, read
    off by linear interpolation, so the first goes at the recorded TTFT and the last with the last
    recorded chunk. Frames without tokens go with the next content frame, as in `stream_offsets`."""
    points = [timing.ttft_ms, *(timing.chunk_offsets_ms or [])[1:]] if timing.chunk_offsets_ms else [timing.ttft_ms]
    scale = 1.0 / (1000.0 * speed)
    content = sum(1 for f in frames if f.tokens > 0)
    offsets: list[float] = []
    waiting = 0
    seen = 0
    last = points[0] * scale
    for index, frame in enumerate(frames):
        if frame.tokens <= 0 and index > 0:
            waiting += 1
            continue
        if frame.tokens > 0:
            where = seen / (content - 1) * (len(points) - 1) if content > 1 else 0.0
            below = min(int(where), len(points) - 1)
            above = min(below + 1, len(points) - 1)
            due = (points[below] + (points[above] - points[below]) * (where - below)) * scale
            last = max(last, due)
            seen += 1
        offsets.extend([last] * (waiting + 1))
        waiting = 0
    offsets.extend([last] * waiting)
    return offsets
