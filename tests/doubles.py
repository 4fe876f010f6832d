"""Test-only scenarios and fault stages, built in Python (no scenario files needed)."""

from __future__ import annotations

from fakellm.context import RequestContext
from fakellm.faults import Delivery, FaultStage
from fakellm.neutral import ChatRequest, Reply
from fakellm.responder import Outcome
from fakellm.stream import StreamPlan

LONG_REPLY = " ".join(f"word{i}" for i in range(40))


class FixedScenario:
    """Always answers `text`; `rule=None` plays a scenario whose fallback answered."""

    def __init__(self, name: str, text: str, rule: str | None = "fixed") -> None:
        self.name = name
        self.description = f"always answers {text!r}"
        self.text = text
        self.rule = rule
        self.calls = 0

    def respond(self, request: ChatRequest, ctx: RequestContext) -> Outcome:
        self.calls += 1
        return Outcome([Reply(text=self.text)] * request.n, rule=self.rule)

    def model_ids(self) -> list[str]:
        return []

    def reset(self) -> None:
        self.calls = 0


class BrokenScenario:
    """Raises inside the server, as a bug in fakellm would."""

    name = "broken"
    description = "raises ZeroDivisionError"

    def respond(self, request: ChatRequest, ctx: RequestContext) -> Outcome:
        raise ZeroDivisionError("scenario bug for the test")

    def model_ids(self) -> list[str]:
        return []

    def reset(self) -> None:
        return None


class PacedFaults(FaultStage):
    """Sends stream frames `gap` seconds apart, so a client can hang up mid-reply."""

    def __init__(self, gap: float) -> None:
        self.gap = gap

    def deliver(
        self, plan: StreamPlan | None, request: ChatRequest, ctx: RequestContext, outcome: Outcome, dialect: object
    ) -> Delivery:
        if plan is None:
            return Delivery()
        return Delivery(offsets=[i * self.gap for i in range(len(plan.frames))])
