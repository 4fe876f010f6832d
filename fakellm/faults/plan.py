"""One request's faults, decided once: the headers every response carries, the stream script, the
timing, and the framing to break.

The fault stage writes a `FaultPlan` before the response is framed (admission has passed by then);
the dialect frames the response by its `script`, and `deliver` schedules the frames and, as the very
last step, breaks the framing when asked to.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from fakellm.errors import ApiError
from fakellm.faults.latency import add_pause, recorded_offsets, stream_offsets
from fakellm.faults.malformed import Breakage, break_framing
from fakellm.faults.spec import LatencySpec, StreamFaultSpec, TimingSpec
from fakellm.frames import AT_ONCE, PLAIN, Delivery, ScriptEnd, StreamEnd, StreamPlan, StreamScript

# However long a scenario asks a stall to last, the server lets go of the connection after this.
MAX_STALL_S = 900.0
ALL_CONTENT = 1 << 40  # a cut after more content pieces than any reply has: all of them, without the ending
_ENDINGS: dict[ScriptEnd, StreamEnd] = {"complete": "complete", "error": "complete", "drop": "drop", "stall": "stall"}


def stream_script(spec: StreamFaultSpec) -> tuple[StreamScript, str | None]:
    """The stream faults of `spec` as a script, and their names for the journal (`pause,disconnect`)."""
    names: list[str] = []
    pause_at, pause_s = None, 0.0
    if spec.pause is not None:
        pause_at, pause_s = spec.pause.at, spec.pause.ms / 1000.0
        names.append("pause")
    if spec.malformed is not None:
        names.append(f"malformed:{spec.malformed}")
    cut_after: int | None = None
    ending: ScriptEnd = "complete"
    error = None
    error_after = ALL_CONTENT if spec.error_after == "end" else spec.error_after
    endings: tuple[tuple[int | None, ScriptEnd, str], ...] = (
        (error_after, "error", "midstream_error"),
        (spec.disconnect_after, "drop", "disconnect"),
        (spec.stall_after, "stall", "stall"),
    )
    for after, end, name in endings:
        if after is not None:
            cut_after, ending = after, end
            names.append(name)
            break
    if ending == "error":
        error = ApiError(spec.error_status, spec.error_message, injected=True)
    script = StreamScript(cut_after, ending, error, min(spec.stall_max_s, MAX_STALL_S), pause_at, pause_s)
    return script, ",".join(names) or None


@dataclass(frozen=True, slots=True)
class FaultPlan:
    """What the fault stage decided for one request. `latency` (with its `rng`) is None when the
    response goes out as soon as it is ready; `delay` is when a non-streaming reply goes out."""

    headers: dict[str, str] = field(default_factory=dict)  # every response carries these (rate-limit status)
    script: StreamScript = PLAIN
    latency: LatencySpec | None = None
    rng: random.Random | None = None
    delay: float = 0.0
    malformed: Breakage | None = None
    malformed_at: int = 1
    fault: str | None = None  # the stream faults injected, for the journal
    timing: TimingSpec | None = None  # a recorded stream's timing, replayed instead of `latency`
    speed: float = 1.0  # how many times as fast `timing` plays

    def deliver(self, framed: StreamPlan) -> Delivery:
        """The schedule of the framed response; breaks its framing in place when the plan says so."""
        if framed.whole:
            return Delivery(offsets=[self.delay]) if self.delay > 0 else AT_ONCE
        script = self.script
        offsets = None
        if self.latency is not None or self.timing is not None or script.pause_at is not None:
            rendered = framed.rendered  # scheduled as rendered: a cut changes no frame's time
            if self.timing is not None:
                offsets = recorded_offsets(rendered, self.timing, self.speed)
            elif self.latency is not None and self.rng is not None:
                offsets = stream_offsets(rendered, self.latency, self.rng)
            if script.pause_at is not None:
                offsets = offsets if offsets is not None else [0.0] * len(rendered)
                add_pause(offsets, rendered, script.pause_at, script.pause_s)
            if offsets is not None and framed.kept is not None:
                keep = framed.kept
                sent = offsets[:keep]
                if len(framed.frames) > keep and offsets:  # the error event goes when the next frame would have
                    sent.append(offsets[keep] if keep < len(offsets) else offsets[-1])
                offsets = sent
        headers = break_framing(framed, self.malformed, self.malformed_at) if self.malformed is not None else {}
        if offsets is None and self.fault is None:
            return AT_ONCE
        return Delivery(headers, offsets, _ENDINGS[script.ending], script.stall_cap, self.fault)


NO_FAULTS = FaultPlan()
