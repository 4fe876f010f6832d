"""The fault stage: what happens to a reply on its way out.

Before the response: injected errors and rate limits (raised as `ApiError`).
After framing: the delivery plan (when each frame goes out, and how the stream
ends). With no faults configured everything goes out at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from fakellm.context import RequestContext
from fakellm.dialects.base import Dialect
from fakellm.neutral import ChatRequest
from fakellm.responder import Outcome
from fakellm.stream import StreamPlan

StreamEnd = Literal["complete", "drop", "stall"]


@dataclass(slots=True)
class Delivery:
    """How a response is sent. `offsets[i]` is when frame i goes out, in seconds after the request
    arrived; None sends everything at once. A non-streaming response waits `delay` seconds."""

    headers: dict[str, str] = field(default_factory=dict)
    offsets: list[float] | None = None
    delay: float = 0.0
    end: StreamEnd = "complete"
    stall_cap: float = 300.0
    fault: str | None = None  # what was injected, for the journal


class FaultStage:
    def reset(self) -> None:
        """Forget counters and rate-limit windows (the test harness calls this between tests)."""

    def admit(self, request: ChatRequest, ctx: RequestContext, outcome: Outcome, dialect: Dialect) -> dict[str, str]:
        """Raise `ApiError` to refuse the request; return headers every response should carry."""
        return {}

    def deliver(
        self,
        plan: StreamPlan | None,
        request: ChatRequest,
        ctx: RequestContext,
        outcome: Outcome,
        dialect: Dialect,
    ) -> Delivery:
        """Shape the stream (`plan` is changed in place) and schedule it; `plan` is None when not streaming."""
        return Delivery()
