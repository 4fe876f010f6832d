"""Test-only scenarios and fault stages, built in Python (no scenario files needed)."""

from __future__ import annotations

from fakellm.context import RequestContext
from fakellm.model import ChatRequest, Reply
from fakellm.scenarios import Outcome

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
